/**
 * The scalar numerics of the int8 contract (see ../../types.ts), shared by the js kernels and the
 * quantized ops. Every float step is float32 (Math.fround) because qnnpack computes in float32.
 */
import type { QInput, QOutput, QWeightSource } from '../../types.js';

const fround = Math.fround;
const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/** Round half to even (lrintf / _mm_cvtps_epi32 under the default rounding mode). */
export function rne(v: number): number {
  const r = Math.round(v);
  // Math.round rounds halves up; move odd results of exact halves back to the even neighbour
  if (r - v === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/**
 * torch's quantize_val for qint32 at scale x_scale·w_scale[n] (zero point 0):
 * clamp_i32(rne(fround(bias · fround(1 / fround(x_scale · w_scale[n]))))).
 */
export function quantize_bias(bias: Float32Array, x_scale: number, w_scales: Float32Array): Int32Array {
  const out = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const inv = fround(1 / fround(fround(x_scale) * w_scales[w_scales.length === 1 ? 0 : i]));
    const q = rne(fround(bias[i] * inv));
    out[i] = q < I32_MIN ? I32_MIN : q > I32_MAX ? I32_MAX : q;
  }
  return out;
}

/**
 * qnnpack's requantization scales: fround(fround(x_scale · w_scale[n]) / out_scale). A multiplier that is
 * not a finite float32 (an output scale tiny next to x_scale · w_scale) is refused: no rounding of it is
 * meaningful, and the backends would disagree on 0 · ∞.
 */
export function requant_multipliers(
  x_scale: number,
  w_scales: Float32Array,
  out_scale: number,
  op = 'requantize',
): Float32Array {
  const m = new Float32Array(w_scales.length);
  for (let i = 0; i < m.length; i++) {
    m[i] = fround(fround(fround(x_scale) * w_scales[i]) / fround(out_scale));
    if (!Number.isFinite(m[i]))
      throw new Error(
        `${op}: requantization multiplier x_scale·w_scale/out_scale = ${x_scale}·${w_scales[i]}/${out_scale} overflows float32 (output channel ${i}); the output scale is too small`,
      );
  }
  return m;
}

/**
 * y = clamp(rne(fround(fround(acc) · mult)) + zp, qmin, qmax). fround(acc) is the int32→float
 * conversion qnnpack does (inexact past 2^24). Out-of-int32 products saturate here, where SSE's
 * cvtps would give INT_MIN; that only differs for multipliers > 1 with huge accumulators.
 */
export function requantize(acc: number, mult: number, out: QOutput): number {
  const q = rne(fround(fround(acc) * mult)) + out.zero_point;
  return q < out.qmin ? out.qmin : q > out.qmax ? out.qmax : q;
}

function finite_positive(v: number): boolean {
  return Number.isFinite(v) && v > 0;
}

/** Checks a weight source: sizes, qparam lengths, scale values, zero point range, the int32 bound. */
export function validate_qweight(src: QWeightSource, op: string): void {
  const { n, k } = src;
  if (!Number.isInteger(n) || !Number.isInteger(k) || n < 1 || k < 1)
    throw new Error(`${op}: n and k must be positive integers, got n=${n}, k=${k}`);
  if (!(src.data instanceof Int8Array))
    throw new Error(
      `${op}: weight data must be an Int8Array (qint8), got ${(src.data as unknown as object)?.constructor?.name}`,
    );
  if (src.data.length !== n * k)
    throw new Error(`${op}: weight has ${src.data.length} elements, expected n·k = ${n}·${k} = ${n * k}`);
  if (src.scales.length !== 1 && src.scales.length !== n) {
    throw new Error(`${op}: ${src.scales.length} weight scales for n=${n} output channels (need 1 or ${n})`);
  }
  if (src.zero_points.length !== src.scales.length) {
    throw new Error(`${op}: ${src.zero_points.length} weight zero points but ${src.scales.length} scales`);
  }
  for (let i = 0; i < src.scales.length; i++) {
    if (!finite_positive(src.scales[i]))
      throw new Error(`${op}: weight scale[${i}] = ${src.scales[i]} is not a positive finite number`);
    const z = src.zero_points[i];
    if (z < -128 || z > 127) throw new Error(`${op}: weight zero point[${i}] = ${z} is outside qint8's −128..127`);
  }
  if (src.bias && src.bias.length !== n)
    throw new Error(`${op}: bias has ${src.bias.length} elements, expected n = ${n}`);
  // |x − x_zp| ≤ 255 and |w − w_zp| ≤ 255: k products must fit the int32 accumulator
  if (k * 255 * 255 > I32_MAX) {
    throw new Error(
      `${op}: reduction length k = ${k} overflows the int32 accumulator (k·255·255 > 2^31−1; k must be ≤ 33025)`,
    );
  }
}

/** Checks an activation: length, uint8 storage, qparams. */
export function check_qinput(x: QInput, expected: number, size_msg: string, op: string): void {
  if (!(x.data instanceof Uint8Array))
    throw new Error(
      `${op}: activation must be a Uint8Array (quint8), got ${(x.data as unknown as object)?.constructor?.name}`,
    );
  if (x.data.length !== expected) throw new Error(size_msg);
  if (!Number.isInteger(x.zero_point) || x.zero_point < 0 || x.zero_point > 255) {
    throw new Error(`${op}: input zero point ${x.zero_point} is outside quint8's 0..255`);
  }
  if (!finite_positive(x.scale)) throw new Error(`${op}: input scale ${x.scale} is not a positive finite number`);
}

/** Checks a requantization target. */
export function check_qoutput(out: QOutput, op: string): void {
  if (!finite_positive(out.scale)) throw new Error(`${op}: output scale ${out.scale} is not a positive finite number`);
  if (!Number.isInteger(out.zero_point) || out.zero_point < 0 || out.zero_point > 255) {
    throw new Error(`${op}: output zero point ${out.zero_point} is outside quint8's 0..255`);
  }
  if (!(0 <= out.qmin && out.qmin <= out.qmax && out.qmax <= 255)) {
    throw new Error(`${op}: output clamp [${out.qmin}, ${out.qmax}] is not a sub-range of 0..255`);
  }
}
