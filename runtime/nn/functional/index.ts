/** torch.nn.functional: every function is a dispatch op registered as 'F.<name>'. */

export { cross_entropy, mse_loss, nll_loss } from '../loss.js';
export * from './activation.js';
export * from './conv.js';
export * from './conv_transpose.js';
export * from './conv1d.js';
export * from './dropout.js';
export * from './elu.js';
export * from './embedding.js';
export * from './embedding_bag.js';
export * from './group_norm.js';
export * from './interpolate.js';
export * from './linear.js';
export * from './normalization.js';
export * from './pad.js';
export * from './pooling.js';
export * from './softmax.js';
