/**
 * nn.intrinsic (quantized part) — superseded as the `nn.intrinsic` export by runtime/nn/intrinsic/index.ts,
 * which adds the float fused modules; kept so existing imports of this file still see `quantized`.
 */
export * as quantized from './nn_intrinsic_quantized.js';
