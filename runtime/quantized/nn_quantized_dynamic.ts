/** nn.quantized.dynamic (torch.ao.nn.quantized.dynamic): float in / float out modules with qint8 weights. */
export { Linear } from './modules/dynamic/linear.js';
export { DynamicRNNBase, type DynamicRNNOptions, GRU, LSTM, RNN } from './modules/dynamic/rnn.js';
export { DynamicRNNCellBase, GRUCell, LSTMCell, RNNCell } from './modules/dynamic/rnn_cell.js';
