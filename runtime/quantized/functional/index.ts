/** The int8 functional ops (torch.ops.quantized / torch.ao.nn.quantized.functional), each registered as 'quantized.<name>'. */

export * from './activations.js';
export * from './conv.js';
export * from './conv_transpose.js';
export * from './conv1d.js';
export * from './elementwise.js';
export * from './elu_leaky_relu.js';
export * from './embedding.js';
export * from './float_islands.js';
export * from './layer_norm.js';
export * from './linear.js';
export * from './matmul.js';
export * from './normalization.js';
export * from './pooling.js';
export * from './scalar_binary.js';
export * from './shape.js';
export * from './upsample.js';
