/** torch.nn.functional: every function is a dispatch op registered as 'F.<name>'. */
export * from './activation.js';
export * from './softmax.js';
export * from './linear.js';
export * from './conv.js';
export * from './pad.js';
export * from './pooling.js';
export * from './normalization.js';
export * from './dropout.js';
export * from './embedding.js';
export * from './rnn_cells.js';
export { nll_loss, cross_entropy, mse_loss } from '../loss.js';
