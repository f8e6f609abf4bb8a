/**
 * The geometry of the int8 2-d upsampling kernel (torch's quantized upsample_nearest2d / upsample_bilinear2d on
 * NCHW tensors): per output row and column, the source index pair and weights, computed once by the caller with
 * torch's float32 index arithmetic (runtime/quantized/functional/upsample.ts), so every backend reads the same taps.
 */
export interface Upsample2dGeometry {
  /** N·C planes of in_h × in_w bytes in, out_h × out_w out. */
  planes: number;
  in_h: number;
  in_w: number;
  out_h: number;
  out_w: number;
  /** 'nearest': y = x[h0[r], w0[c]]; 'bilinear': torch's four-tap float32 blend (see Int8Kernels.qupsample2d). */
  mode: 'nearest' | 'bilinear';
  /** Source rows (out_h each): h0 and h1 = h0 + (h0 < in_h − 1) for bilinear; lh0 / lh1 their float32 weights. */
  h0: Int32Array;
  h1: Int32Array;
  lh0: Float32Array;
  lh1: Float32Array;
  /** Source columns (out_w each), as the rows. */
  w0: Int32Array;
  w1: Int32Array;
  lw0: Float32Array;
  lw1: Float32Array;
  /** The input's zero point (the output keeps the input's qparams). */
  zero_point: number;
}
