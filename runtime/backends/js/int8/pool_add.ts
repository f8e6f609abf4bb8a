/**
 * The reference int8 elementwise and pooling kernels (qnnpack's q8vadd, max pool, q8avgpool) on raw
 * uint8 arrays, with the parameter derivations and checks every backend shares. Moved here from
 * runtime/quantized/functional so the wasm backend can be held to them bit for bit.
 */
import type { Pool2dGeometry, QAddParams, QAvgPoolParams } from '../../types.js';
import { rne } from './numerics.js';

const fround = Math.fround;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * qnnpack's q8vadd parameters (pytorch_qnnp_compute_add_quantization_params) for quint8 a + b at
 * (scale, zero_point), or null outside qnnpack's range (torch then takes its float path).
 */
export function qnnpack_add_params(
  a_scale: number,
  a_zero_point: number,
  b_scale: number,
  b_zero_point: number,
  scale: number,
  zero_point: number,
  relu: boolean,
): QAddParams | null {
  const a_os = fround(fround(a_scale) / fround(scale));
  const b_os = fround(fround(b_scale) / fround(scale));
  const max_os = a_os > b_os ? a_os : b_os;
  // qnnpack asserts the ratios lie in [2^-14, 2^8) and the shift below 32, i.e. max ratio ≥ 2^-10
  if (a_os < 2 ** -14 || b_os < 2 ** -14 || a_os >= 256 || b_os >= 256 || max_os < 2 ** -10) return null;
  f32[0] = max_os;
  const exponent = (u32[0] >>> 23) - 127;
  const shift = 21 - exponent;
  const a_mult = rne(fround(a_os * 2 ** shift));
  const b_mult = rne(fround(b_os * 2 ** shift));
  const zp_product = -(a_mult * a_zero_point + b_mult * b_zero_point) | 0;
  return { a_mult, b_mult, zp_product, shift, zero_point, qmin: relu ? zero_point : 0, qmax: 255 };
}

/** Throws unless a qadd call is well formed (same lengths, params in q8vadd's range). */
export function check_qadd(a: Uint8Array, b: Uint8Array, p: QAddParams, y: Uint8Array | undefined, op: string): void {
  if (a.length !== b.length)
    throw new Error(`${op}: inputs have ${a.length} and ${b.length} elements; they must match`);
  if (y && y.length !== a.length)
    throw new Error(`${op}: output buffer has ${y.length} elements, expected ${a.length}`);
  const ok_mult = (m: number) => Number.isInteger(m) && m >= 0 && m <= 2 ** 22;
  if (!ok_mult(p.a_mult) || !ok_mult(p.b_mult) || !Number.isInteger(p.shift) || p.shift < 0 || p.shift > 31)
    throw new Error(
      `${op}: params a_mult ${p.a_mult}, b_mult ${p.b_mult}, shift ${p.shift} are outside q8vadd's range (mult ≤ 2^22, shift 0..31)`,
    );
  if (!(0 <= p.qmin && p.qmin <= p.qmax && p.qmax <= 255) || !(p.zero_point >= 0 && p.zero_point <= 255))
    throw new Error(`${op}: zero_point ${p.zero_point}, clamp [${p.qmin}, ${p.qmax}] must lie in 0..255`);
}

/** q8vadd: y[i] = clamp(rshift_round_away(zp_product + a[i]·a_mult + b[i]·b_mult) + zp, qmin, qmax). */
export function qadd(a: Uint8Array, b: Uint8Array, p: QAddParams, y?: Uint8Array): Uint8Array {
  check_qadd(a, b, p, y, 'js.qadd');
  const out = y ?? new Uint8Array(a.length);
  const { a_mult, b_mult, zp_product, shift, zero_point, qmin, qmax } = p;
  const mask = 2 ** shift - 1;
  const threshold = Math.floor(mask / 2);
  const div = 2 ** shift;
  for (let i = 0; i < a.length; i++) {
    // wrapping int32 as the C code; the true value always fits
    const acc = (zp_product + a[i] * a_mult + b[i] * b_mult) | 0;
    // the remainder test rounds halves away from zero
    const rem = (acc & mask) - (acc < 0 ? 1 : 0);
    const q = Math.floor(acc / div) + (rem > threshold ? 1 : 0) + zero_point;
    out[i] = q < qmin ? qmin : q > qmax ? qmax : q;
  }
  return out;
}

/** Throws unless `g` is a sane pool geometry for an input of `len` elements (and an output buffer `y`). */
export function check_pool_geometry(len: number, g: Pool2dGeometry, y: Uint8Array | undefined, op: string): void {
  const vals = [
    g.planes,
    g.in_h,
    g.in_w,
    g.out_h,
    g.out_w,
    g.kernel_h,
    g.kernel_w,
    ...g.stride,
    ...g.padding,
    ...g.dilation,
  ];
  if (
    !vals.every((v) => Number.isInteger(v) && v >= 0) ||
    g.kernel_h < 1 ||
    g.kernel_w < 1 ||
    g.stride[0] < 1 ||
    g.stride[1] < 1 ||
    g.dilation[0] < 1 ||
    g.dilation[1] < 1
  )
    throw new Error(
      `${op}: geometry ${JSON.stringify(g)} must hold non-negative integers with positive kernel, stride, dilation`,
    );
  if (len !== g.planes * g.in_h * g.in_w)
    throw new Error(`${op}: x has ${len} elements, expected planes·in_h·in_w = ${g.planes}·${g.in_h}·${g.in_w}`);
  const n = g.planes * g.out_h * g.out_w;
  if (y && y.length !== n) throw new Error(`${op}: output buffer has ${y.length} elements, expected ${n}`);
  // every window must start inside the padded input (torch's pooling_output_shape guarantees it)
  if (g.out_h > 0 && (g.out_h - 1) * g.stride[0] - g.padding[0] >= g.in_h + g.padding[0])
    throw new Error(`${op}: out_h ${g.out_h} has windows past the padded input (in_h ${g.in_h})`);
  if (g.out_w > 0 && (g.out_w - 1) * g.stride[1] - g.padding[1] >= g.in_w + g.padding[1])
    throw new Error(`${op}: out_w ${g.out_w} has windows past the padded input (in_w ${g.in_w})`);
}

/** Max of each window; out-of-range taps are skipped (they could never win: uint8 ≥ 0 and the max starts at 0). */
export function qmax_pool2d(x: Uint8Array, g: Pool2dGeometry, y?: Uint8Array): Uint8Array {
  check_pool_geometry(x.length, g, y, 'js.qmax_pool2d');
  const { planes, in_h: ih, in_w: iw, out_h: oh, out_w: ow, kernel_h: kh, kernel_w: kw } = g;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const out = y ?? new Uint8Array(planes * oh * ow);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * ih * iw;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let m = 0;
        for (let u = 0; u < kh; u++) {
          const iy = oy * sh - ph + u * dh;
          if (iy < 0 || iy >= ih) continue;
          for (let v = 0; v < kw; v++) {
            const ix = ox * sw - pw + v * dw;
            if (ix < 0 || ix >= iw) continue;
            const val = x[base + iy * iw + ix];
            if (val > m) m = val;
          }
        }
        out[o++] = m;
      }
    }
  }
  return out;
}

/**
 * qnnpack's avgpool parameters for an input/output scale ratio `scale` (already fround(in/(out·kh·kw))):
 * mult = the 24-bit mantissa, shift = 127 + 23 − biased exponent; throws outside 16..63 as qnnpack asserts.
 */
export function qnnpack_avg_params(scale: number, x_zero_point: number, out_zero_point: number): QAvgPoolParams {
  f32[0] = scale;
  const bits = u32[0];
  const mult = (bits & 0x7fffff) | 0x800000;
  const shift = 127 + 23 - (bits >>> 23);
  if (shift < 16 || shift >= 64)
    throw new Error(`quantized avg_pool2d: input/output scale ratio ${scale} is outside qnnpack's supported range`);
  return { x_zero_point, mult, shift, out_zero_point };
}

/** Throws unless avg-pool params are in qnnpack's range and the geometry has no dilation. */
export function check_avg_params(g: Pool2dGeometry, p: QAvgPoolParams, op: string): void {
  if (g.dilation[0] !== 1 || g.dilation[1] !== 1)
    throw new Error(`${op}: qnnpack's average pool has no dilation, got [${g.dilation.join(', ')}]`);
  if (
    !(
      Number.isInteger(p.mult) &&
      p.mult >= 0 &&
      p.mult < 2 ** 24 &&
      Number.isInteger(p.shift) &&
      p.shift >= 16 &&
      p.shift < 64
    )
  )
    throw new Error(`${op}: mult ${p.mult} / shift ${p.shift} outside qnnpack's range (mult < 2^24, shift 16..63)`);
  for (const [k, v] of [
    ['x_zero_point', p.x_zero_point],
    ['out_zero_point', p.out_zero_point],
  ] as const)
    if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new Error(`${op}: ${k} ${v} must be an integer in 0..255`);
}

/** sign(acc)·((|acc|·mult + 2^(shift−1)) >> shift): exact in doubles while |acc|·mult < 2^53 − 2^shift. */
function avg_round(acc: number, mult: number, shift: number): number {
  const a = Math.abs(acc);
  const mag =
    a < 2 ** 28
      ? Math.floor((a * mult + 2 ** (shift - 1)) / 2 ** shift)
      : Number((BigInt(a) * BigInt(mult) + (1n << BigInt(shift - 1))) >> BigInt(shift));
  return acc < 0 ? -mag : mag;
}

/** qnnpack's average pool: padding reads as the input zero point and the divisor is always kh·kw. */
export function qavg_pool2d(x: Uint8Array, g: Pool2dGeometry, p: QAvgPoolParams, y?: Uint8Array): Uint8Array {
  check_pool_geometry(x.length, g, y, 'js.qavg_pool2d');
  check_avg_params(g, p, 'js.qavg_pool2d');
  const { planes, in_h: ih, in_w: iw, out_h: oh, out_w: ow, kernel_h: kh, kernel_w: kw } = g;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const zp = p.x_zero_point;
  const size = kh * kw;
  const out = y ?? new Uint8Array(planes * oh * ow);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * ih * iw;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let acc = -zp * size;
        for (let u = 0; u < kh; u++) {
          const iy = oy * sh - ph + u;
          for (let v = 0; v < kw; v++) {
            const ix = ox * sw - pw + v;
            acc += iy < 0 || iy >= ih || ix < 0 || ix >= iw ? zp : x[base + iy * iw + ix];
          }
        }
        const q = avg_round(acc, p.mult, p.shift) + p.out_zero_point;
        out[o++] = q < 0 ? 0 : q > 255 ? 255 : q;
      }
    }
  }
  return out;
}
