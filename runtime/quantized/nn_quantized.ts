/** nn.quantized (torch.ao.nn.quantized): int8 modules, the int8 functional ops, and the dynamic namespace. */

export * as functional from './functional/index.js';
export { Hardswish, ReLU6, Sigmoid, Tanh } from './modules/activation.js';
export { Conv2d, type QuantizedConv2dOptions } from './modules/conv.js';
export { ConvTranspose2d, type QuantizedConvTranspose2dOptions } from './modules/conv_transpose.js';
export { Conv1d, type QuantizedConv1dOptions } from './modules/conv1d.js';
export { ELU, LeakyReLU } from './modules/elu_leaky_relu.js';
export { Embedding, EmbeddingBag, type EmbeddingDType } from './modules/embedding.js';
export { FloatFunctional, QFunctional } from './modules/functional_modules.js';
export { LayerNorm } from './modules/layer_norm.js';
export { Linear, type QuantizedLinearOptions } from './modules/linear.js';
export { GroupNorm, InstanceNorm1d, InstanceNorm2d } from './modules/normalization.js';
export { DeQuantize, Quantize } from './modules/quantize.js';
export * as dynamic from './nn_quantized_dynamic.js';
