/** nn.quantized.dynamic (torch.ao.nn.quantized.dynamic): float in / float out modules with qint8 weights. */
export { Linear } from './modules/dynamic/linear.js';
export { LSTM, GRU, RNN, DynamicRNNBase, type DynamicRNNOptions } from './modules/dynamic/rnn.js';
export { LSTMCell, GRUCell, RNNCell, DynamicRNNCellBase } from './modules/dynamic/rnn_cell.js';
