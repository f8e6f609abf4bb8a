/** nn.intrinsic (torch.ao.nn.intrinsic): the float fused modules, and the int8 ones under `quantized`. */

export * as quantized from '../../quantized/nn_intrinsic_quantized.js';
export * as qat from '../qat/intrinsic.js';
export { _FusedModule, BNReLU2d, ConvBn2d, ConvBnReLU2d, ConvReLU2d, LinearBn1d, LinearReLU } from './fused.js';
export { ConvBn1d, ConvBnReLU1d, ConvReLU1d } from './fused_1d.js';
