/** The recurrent layers' kernels of a Backend (types.ts re-exports them). */
import type { PackedQWeight } from './types.js';

/**
 * Kernels of the dynamic int8 path and the fused LSTM cell (js reference: backends/js/rnn.ts; wasm:
 * backends/wasm/rnn.ts). minmax, quantize_u8 and dequant_bias agree bit for bit across backends (they are
 * torch's dynamic-quantization numerics, see quantized/functional/linear.ts); lstm_cell evaluates exp /
 * tanh in float64 rounded to float32, so backends agree to about 1 ulp (tests hold them within 1e-6).
 */
export interface RnnKernels {
  readonly name: string;
  /** [min, max] of x (NaN when x holds a NaN; [0, 0] when x is empty). */
  minmax(x: Float32Array): [number, number];
  /** q[i] = clamp(zero_point + rne(fround(x[i] · fround(1 / scale))), 0, 255). */
  quantize_u8(x: Float32Array, scale: number, zero_point: number, y?: Uint8Array): Uint8Array;
  /** y[m, n] = fround(fround(fround(acc[m, n]) · fround(x_scale · w_scales[n])) + bias[n]); w_scales has n entries. */
  dequant_bias(
    acc: Int32Array,
    m: number,
    n: number,
    x_scale: number,
    w_scales: Float32Array,
    bias: Float32Array | null,
    y?: Float32Array,
  ): Float32Array;
  /**
   * torch's dynamic int8 Linear (quantized.linear_dynamic on qnnpack) in one call: x [m, w.k] float32 quantized
   * once from the min/max of all of it (choose_qparams, quint8 0..255), the int32 GEMM against the packed qint8
   * weight, then dequant_bias with w_scales [n] and bias, and max(y, 0) when relu. m = batch × tokens rows, no
   * per-row work outside the kernels. NaN / infinite inputs are an error. js: backends/js/linear_dynamic.ts.
   */
  linear_dynamic(
    x: Float32Array,
    m: number,
    w: PackedQWeight,
    w_scales: Float32Array,
    bias: Float32Array | null,
    relu: boolean,
    y?: Float32Array,
  ): Float32Array;
  /**
   * One LSTM step for `n` rows: pre-activations gx + gh ([n, 4·hidden], gates i, f, g, o), c and h
   * ([n, hidden]) updated in place: c = f·c + i·g, h = o·tanh(c), each op rounded to float32.
   */
  lstm_cell(gx: Float32Array, gh: Float32Array, c: Float32Array, h: Float32Array, n: number, hidden: number): void;
  /**
   * Whole-layer LSTM drivers (the time loop inside the backend), or null when the backend has none: the
   * callers then run the layer step by step on the kernels above (the js reference does).
   */
  readonly lstm_layers: LstmLayerKernels | null;
}

/** Geometry of one fp32 LSTM layer: x is [T, N, I] (time_major) or [N, T, I]; reverse runs t = T−1 … 0. */
export interface LstmGeometry {
  T: number;
  N: number;
  I: number;
  H: number;
  time_major: boolean;
  reverse?: boolean;
}

/** A backend's whole-layer LSTM drivers (wasm: every per-step buffer resident in its memory). */
export interface LstmLayerKernels {
  /**
   * One float LSTM layer: x in geo's layout, w_ih [4H, I], w_hh [4H, H], bias = b_ih + b_hh folded (or
   * null); h, c [N, H] initial → final state in place; out gets h of every step at row stride out_stride,
   * column offset out_offset.
   */
  lstm_fp32_layer(
    x: Float32Array,
    geo: LstmGeometry,
    w_ih: Float32Array,
    w_hh: Float32Array,
    bias: Float32Array | null,
    h: Float32Array,
    c: Float32Array,
    out: Float32Array,
    out_stride: number,
    out_offset: number,
  ): void;
  /**
   * One dynamic int8 LSTM direction over a time-major [T, N, I] sequence with weights packed by this
   * backend: returns [T, N, H] outputs, h / c [N, H] updated in place.
   */
  lstm_dynamic_layer(
    x: Float32Array,
    T: number,
    N: number,
    ih: PackedQWeight,
    hh: PackedQWeight,
    h: Float32Array,
    c: Float32Array,
    reverse: boolean,
  ): Float32Array;
}
