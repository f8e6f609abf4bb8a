/** nn.intrinsic.qat (torch.ao.nn.intrinsic.qat): fused QAT modules and the BN-statistics toggles. */
export { ConvBn2d, ConvBnReLU2d, freeze_bn_stats, type QatConvBn2dOptions, update_bn_stats } from './conv_bn.js';
export { ConvBn1d, ConvBnReLU1d, ConvReLU1d, type QatConvBn1dOptions } from './conv1d.js';
export { ConvReLU2d, LinearReLU } from './fused_relu.js';
export { LinearBn1d, type QatLinearBn1dOptions } from './linear_bn.js';
