/** nn.intrinsic.quantized.dynamic: the dynamic LinearReLU. */
export { LinearReLU } from './modules/dynamic/linear.js';
