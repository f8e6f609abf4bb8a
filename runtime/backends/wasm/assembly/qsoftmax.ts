// The softmax kernels, bit-identical to the js reference: the float island (js/int8/softmax.ts: ATen's AVX2
// _vec_softmax_lastdim with Sleef's expf_u10, fused multiply-adds emulated exactly in f64) and the integer
// softmax of the opt-in int8-attention config (js/int8/softmax_int.ts).
import { fma32 } from './fma';
import { quant, quant16 } from './qquant';

// ---- Sleef expf_u10 with exact float32 fused multiply-adds

const R_LN2: f32 = 1.4426950216293335;
const L2U: f32 = 0.693145751953125;
const L2L: f32 = 1.428606765330187e-6;
const C0: f32 = 0.00019852761761285365;
const C1: f32 = 0.0013930435525253415;
const C2: f32 = 0.008333360776305199;
const C3: f32 = 0.041666485369205475;
const C4: f32 = 0.1666666716337204;

@inline
function pow2f(e: i32): f32 {
  return reinterpret<f32>((e + 127) << 23);
}

/** Sleef's xexpf (expf_u10), as js fp32/aten_vec_math.ts sleef_expf_u10. */
export function sleef_expf(d: f32): f32 {
  if (d != d) return d;
  if (d > 100) return Infinity;
  if (d < -104) return 0;
  const q = nearest<f32>(d * R_LN2);
  let s = fma32(q, -L2U, d);
  s = fma32(q, -L2L, s);
  let u = fma32(C0, s, C1);
  u = fma32(u, s, C2);
  u = fma32(u, s, C3);
  u = fma32(u, s, C4);
  u = fma32(u, s, 0.5);
  u = 1 + fma32(s * s, u, s);
  const qi = <i32>q;
  const h = qi >> 1;
  return u * pow2f(h) * pow2f(qi - h);
}

/**
 * ATen's reduce_all(+) over n floats at e as the reference ran it (AVX2, 8 lanes): lane l sums e[l], e[l+8], …,
 * a partial last vector into its first lanes, then the lanes fold 4, 2, 1 apart; fewer than 8 left to right.
 */
function reduce_sum8(e: usize, n: i32, lanes: usize): f32 {
  if (n < 8) {
    let s: f32 = load<f32>(e);
    for (let i = 1; i < n; i++) s += load<f32>(e + (<usize>i << 2));
    return s;
  }
  let v0 = v128.load(e), v1 = v128.load(e, 16);
  const body = n - (n % 8);
  let d = 8;
  for (; d < body; d += 8) {
    const p = e + (<usize>d << 2);
    v0 = f32x4.add(v0, v128.load(p));
    v1 = f32x4.add(v1, v128.load(p, 16));
  }
  if (d < n) {
    v128.store(lanes, v0);
    v128.store(lanes, v1, 16);
    for (let l = 0; d + l < n; l++) {
      const p = lanes + (<usize>l << 2);
      store<f32>(p, load<f32>(p) + load<f32>(e + (<usize>(d + l) << 2)));
    }
    v0 = v128.load(lanes);
    v1 = v128.load(lanes, 16);
  }
  // lanes l + l⊕4, then + l⊕2, + l⊕1
  v0 = f32x4.add(v0, v1);
  v0 = f32x4.add(v0, v128.shuffle<f32>(v0, v0, 2, 3, 0, 1));
  return f32x4.extract_lane(v0, 0) + f32x4.extract_lane(v0, 1);
}

/** Bytes of qsoftmax_u8's scratch for rows of n: the exp table [256][256] f32, its 256 filled bounds, a row, 16 lanes. */
export function qsoftmax_scratch_bytes(n: i32): i32 {
  return 256 * 256 * 4 + 1024 + n * 4 + 16 + 64;
}

/** The largest of n bytes at o (16 at a time with u8x16.max). */
@inline
function row_max(o: usize, n: i32): i32 {
  let M: i32 = 0;
  let i = 0;
  if (n >= 16) {
    let v = v128.load(o);
    for (i = 16; i + 16 <= n; i += 16) v = i8x16.max_u(v, v128.load(o + <usize>i));
    M = hmax_u8(v);
  }
  for (; i < n; i++) M = max(M, <i32>load<u8>(o + <usize>i));
  return M;
}

/** The smallest of n bytes at o. */
@inline
function row_min(o: usize, n: i32): i32 {
  let m: i32 = 255;
  let i = 0;
  if (n >= 16) {
    let v = v128.load(o);
    for (i = 16; i + 16 <= n; i += 16) v = i8x16.min_u(v, v128.load(o + <usize>i));
    m = 255 - hmax_u8(v128.not(v));
  }
  for (; i < n; i++) m = min(m, <i32>load<u8>(o + <usize>i));
  return m;
}

/** The largest of the 16 bytes of v. */
@inline
function hmax_u8(v: v128): i32 {
  v = i8x16.max_u(v, i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  v = i8x16.max_u(v, i8x16.shuffle(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
  v = i8x16.max_u(v, i8x16.shuffle(v, v, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1));
  v = i8x16.max_u(v, i8x16.shuffle(v, v, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0));
  return <i32>i8x16.extract_lane_u(v, 0);
}

/**
 * Softmax island over rows of n quint8 values: x − max dequantized is f32((q − z)s) − f32((M − z)s) for the
 * row's largest byte M, so its exp is a function of (M, q): a table row per M whose entries from the lowest
 * byte seen with that maximum up to M are filled on first need (per call; `lo[M]` marks the filled range).
 * Then ATen's sum, one reciprocal, products, quantize.
 */
export function qsoftmax_u8(
  x: usize, rows: i32, n: i32, xs: f32, xz: i32, inv: f32, zp: i32, qmin: i32, qmax: i32, scratch: usize, y: usize,
): void {
  const table = scratch;
  const lo = table + 256 * 256 * 4;
  const row = lo + 1024;
  const lanes = row + ((<usize>n << 2) + 15 & ~15);
  for (let M = 0; M < 256; M++) store<i32>(lo + (<usize>M << 2), M + 1);
  const vinv = f32x4.splat(inv);
  const vzp = i32x4.splat(zp);
  const vlo = i32x4.splat(qmin);
  const vhi = i32x4.splat(qmax);
  for (let r = 0; r < rows; r++) {
    const o = x + <usize>(r * n);
    const M = row_max(o, n);
    const t = table + (<usize>M << 10);
    const lp = lo + (<usize>M << 2);
    const filled = load<i32>(lp);
    const m0 = row_min(o, n);
    if (m0 < filled) {
      const m = <f32>(M - xz) * xs;
      for (let q = m0; q < filled; q++) store<f32>(t + (<usize>q << 2), sleef_expf(<f32>(q - xz) * xs - m));
      store<i32>(lp, m0);
    }
    for (let i = 0; i < n; i++) store<f32>(row + (<usize>i << 2), load<f32>(t + (<usize>load<u8>(o + <usize>i) << 2)));
    const is: f32 = 1 / reduce_sum8(row, n, lanes);
    const vis = f32x4.splat(is);
    const yo = y + <usize>(r * n);
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const p = row + (<usize>i << 2);
      const v0 = f32x4.mul(v128.load(p), vis);
      const v1 = f32x4.mul(v128.load(p, 16), vis);
      const v2 = f32x4.mul(v128.load(p, 32), vis);
      const v3 = f32x4.mul(v128.load(p, 48), vis);
      v128.store(yo + <usize>i, quant16(v0, v1, v2, v3, vinv, vzp, vlo, vhi));
    }
    for (; i < n; i++) store<u8>(yo + <usize>i, quant(load<f32>(row + (<usize>i << 2)) * is, inv, zp, qmin, qmax));
  }
}

/**
 * The integer softmax (opt-in int8 attention; js reference js/int8/softmax_int.ts): e = table[M − q] (i32),
 * S = Σ e, R = ⌊(mult·2^16 + ⌊S/2⌋) / S⌋ once per row, y = clamp(zp + ((e·R + 2^31) >> 32)) in i64x2 lanes.
 * `row` is n·4 + 16 bytes of scratch (the row's e values).
 */
export function qsoftmax_int_u8(
  x: usize, rows: i32, n: i32, table: usize, mult: i32, zp: i32, qmin: i32, qmax: i32, row: usize, y: usize,
): void {
  const scaled = <u64>mult << 16;
  const vround = i64x2.splat(<i64>1 << 31);
  const vzp = i32x4.splat(zp);
  const vlo = i32x4.splat(qmin);
  const vhi = i32x4.splat(qmax);
  for (let r = 0; r < rows; r++) {
    const o = x + <usize>(r * n);
    const yo = y + <usize>(r * n);
    const t = table + (<usize>row_max(o, n) << 2);
    let sum: i32 = 0;
    for (let i = 0; i < n; i++) {
      const e = load<i32>(t - (<usize>load<u8>(o + <usize>i) << 2));
      store<i32>(row + (<usize>i << 2), e);
      sum += e;
    }
    const R = (scaled + <u64>(sum >> 1)) / <u64>sum;
    const vR = i64x2.splat(<i64>R);
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const p = row + (<usize>i << 2);
      const q0 = mulshift4(v128.load(p), vR, vround, vzp, vlo, vhi);
      const q1 = mulshift4(v128.load(p, 16), vR, vround, vzp, vlo, vhi);
      const q2 = mulshift4(v128.load(p, 32), vR, vround, vzp, vlo, vhi);
      const q3 = mulshift4(v128.load(p, 48), vR, vround, vzp, vlo, vhi);
      v128.store(yo + <usize>i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
    }
    for (; i < n; i++) {
      const e = <u64>load<i32>(row + (<usize>i << 2));
      let q = zp + <i32>((e * R + (<u64>1 << 31)) >> 32);
      q = q < qmin ? qmin : q > qmax ? qmax : q;
      store<u8>(yo + <usize>i, <u8>q);
    }
  }
}

/** Four lanes of clamp(zp + ((e·R + 2^31) >> 32)), e ≥ 0 as i32 lanes, R and the rounding term as i64x2 splats. */
@inline
function mulshift4(e: v128, vR: v128, vround: v128, vzp: v128, vlo: v128, vhi: v128): v128 {
  const lo = i64x2.shr_u(i64x2.add(i64x2.mul(i64x2.extend_low_i32x4_u(e), vR), vround), 32);
  const hi = i64x2.shr_u(i64x2.add(i64x2.mul(i64x2.extend_high_i32x4_u(e), vR), vround), 32);
  // the quotients are below 2^16: their low 32-bit halves are the values
  const q = i32x4.shuffle(lo, hi, 0, 2, 4, 6);
  return i32x4.min_s(i32x4.max_s(i32x4.add(q, vzp), vlo), vhi);
}

/**
 * qnnpack's softargmax (js reference js/int8/softargmax.ts): e = table[x + 255 − M] (u32), S = Σ e,
 * y = min(255, (e·256 + S/2) / S) in wrapping u32 arithmetic as u8lut32norm. Returns 1 (nothing written past
 * that row) when a row's sum wraps to 0, else 0.
 */
export function qsoftargmax_u8(x: usize, rows: i32, n: i32, table: usize, y: usize): i32 {
  for (let r = 0; r < rows; r++) {
    const o = x + <usize>(r * n);
    const yo = y + <usize>(r * n);
    const t = table + (<usize>(255 - row_max(o, n)) << 2);
    let sum: u32 = 0;
    for (let i = 0; i < n; i++) sum += load<u32>(t + (<usize>load<u8>(o + <usize>i) << 2));
    if (sum == 0) return 1;
    const half = sum >> 1;
    for (let i = 0; i < n; i++) {
      const q = ((load<u32>(t + (<usize>load<u8>(o + <usize>i) << 2)) << 8) + half) / sum;
      store<u8>(yo + <usize>i, <u8>(q > 255 ? 255 : q));
    }
  }
  return 0;
}
