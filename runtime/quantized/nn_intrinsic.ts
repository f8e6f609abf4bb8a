/** nn.intrinsic (quantized part): nn.intrinsic.quantized and nn.intrinsic.quantized.dynamic fused int8 modules. */
export * as quantized from './nn_intrinsic_quantized.js';
