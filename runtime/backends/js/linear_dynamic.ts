/**
 * The js reference of RnnKernels.linear_dynamic (torch's quantized.linear_dynamic on qnnpack), composed of
 * the reference kernels: min/max of all of x → choose_qparams (quint8 0..255, range widened to 0) →
 * quantize → int32 GEMM against the packed qint8 weight → dequantize + float bias, every step in float32.
 */
import { choose_qparams } from '../../quantized/qtensor.js';
import type { Int8Kernels, PackedQWeight, RnnKernels } from '../types.js';

type Parts = Pick<RnnKernels, 'name' | 'minmax' | 'quantize_u8' | 'dequant_bias'>;

/** Checks linear_dynamic's arguments (shared by the backends); returns n. */
export function check_linear_dynamic(
  name: string,
  x: Float32Array,
  m: number,
  w: PackedQWeight,
  w_scales: Float32Array,
  bias: Float32Array | null,
  y: Float32Array | undefined,
): number {
  const { n, k } = w;
  if (!Number.isInteger(m) || m < 0) throw new Error(`${name}: m must be a non-negative integer, got ${m}`);
  if (x.length !== m * k) throw new Error(`${name}: x has ${x.length} elements, expected m·k = ${m}·${k}`);
  if (w_scales.length !== n) throw new Error(`${name}: w_scales has ${w_scales.length} entries, expected n = ${n}`);
  if (bias && bias.length !== n) throw new Error(`${name}: bias has ${bias.length} entries, expected n = ${n}`);
  if (y && y.length !== m * n) throw new Error(`${name}: output has ${y.length} elements, expected m·n = ${m}·${n}`);
  return n;
}

/** torch's qparams of a dynamic activation from its min/max; NaN / ±inf are an error. */
export function dynamic_qparams(name: string, lo: number, hi: number, m: number, k: number) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi))
    throw new Error(`${name}: input [${m}, ${k}] contains NaN or infinite values`);
  return choose_qparams(lo, hi, 0, 255);
}

/** linear_dynamic on the kernels of one backend (the js reference uses its own). */
export function linear_dynamic_reference(
  int8: Int8Kernels,
  parts: Parts,
  x: Float32Array,
  m: number,
  w: PackedQWeight,
  w_scales: Float32Array,
  bias: Float32Array | null,
  relu: boolean,
  y?: Float32Array,
): Float32Array {
  const name = `${parts.name}.linear_dynamic`;
  const n = check_linear_dynamic(name, x, m, w, w_scales, bias, y);
  const out = y ?? new Float32Array(m * n);
  if (m === 0) return out;
  const [lo, hi] = parts.minmax(x);
  const qp = dynamic_qparams(name, lo, hi, m, w.k);
  const xq = parts.quantize_u8(x, qp.scale, qp.zero_point);
  const acc = int8.qlinear_acc(xq, qp.zero_point, m, w);
  parts.dequant_bias(acc, m, n, qp.scale, w_scales, bias, out);
  if (relu) for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] = 0;
  return out;
}
