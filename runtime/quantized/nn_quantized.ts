/** nn.quantized (torch.ao.nn.quantized): int8 modules, the int8 functional ops, and the dynamic namespace. */
export { Quantize, DeQuantize } from './modules/quantize.js';
export { Linear, type QuantizedLinearOptions } from './modules/linear.js';
export { Conv2d, type QuantizedConv2dOptions } from './modules/conv.js';
export { ReLU6, Hardswish, Sigmoid, Tanh } from './modules/activation.js';
export { FloatFunctional, QFunctional } from './modules/functional_modules.js';
export * as functional from './functional/index.js';
export * as dynamic from './nn_quantized_dynamic.js';
