/** Int8 ops and modules (torch.ops.quantized, torch.ao.nn.quantized / intrinsic.quantized / quantized.dynamic). */

export * from './functional/index.js';
export * from './modules/activation.js';
export * from './modules/conv.js';
export * from './modules/conv_transpose.js';
export * from './modules/conv1d.js';
export * from './modules/elu_leaky_relu.js';
export * from './modules/embedding.js';
export * from './modules/from_float.js';
export * from './modules/functional_modules.js';
export * from './modules/layer_norm.js';
export * from './modules/linear.js';
export * from './modules/normalization.js';
export * from './modules/quantize.js';
export * as dynamic from './nn_quantized_dynamic.js';
export * from './packed_params.js';
export * from './qtensor.js';
