/** The nn layers (torch.nn class names). */

export * from './activation.js';
export * from './conv.js';
export * from './conv_more.js';
export * from './group_norm.js';
export * from './linear.js';
export * from './misc.js';
export * from './normalization.js';
export * from './pooling.js';
export * from './rnn.js';
export * from './rnn_cell.js';
export * from './upsample_bag.js';
