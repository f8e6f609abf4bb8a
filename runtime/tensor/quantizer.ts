/** Quantization schemes, spelled as in torch. */
export type QScheme =
  | 'per_tensor_affine'
  | 'per_tensor_symmetric'
  | 'per_channel_affine'
  | 'per_channel_symmetric'
  /** Row-wise float scale and float zero point (embedding weights: float_qparams_weight_only_qconfig). */
  | 'per_channel_affine_float_qparams';

export const per_tensor_affine = 'per_tensor_affine' as const;
export const per_tensor_symmetric = 'per_tensor_symmetric' as const;
export const per_channel_affine = 'per_channel_affine' as const;
export const per_channel_symmetric = 'per_channel_symmetric' as const;
export const per_channel_affine_float_qparams = 'per_channel_affine_float_qparams' as const;

/** The qparams a quantized tensor carries. Scales are float32 values (torch stores per-channel ones as double). */
export type Quantizer =
  | { kind: 'per_tensor'; scale: number; zero_point: number }
  | { kind: 'per_channel'; scales: Float64Array; zero_points: Int32Array; axis: number };

export function is_per_channel(q: QScheme): boolean {
  return q === 'per_channel_affine' || q === 'per_channel_symmetric' || q === 'per_channel_affine_float_qparams';
}
