/** nn.intrinsic.quantized (torch.ao.nn.intrinsic.quantized): LinearReLU, ConvReLU2d, and the dynamic LinearReLU. */

export { ConvReLU2d } from './modules/conv.js';
export { ConvReLU1d } from './modules/conv1d.js';
export { LinearReLU } from './modules/linear.js';
export * as dynamic from './nn_intrinsic_quantized_dynamic.js';
