// Requantization of four int32 accumulators to uint8, exactly the js reference (js/int8/numerics.ts):
//   y = clamp(rne(fround(fround(acc) * mult)) + zp, qmin, qmax)
// i.e. qnnpack's int32 -> f32 conversion (inexact past 2^24) and an f32 product: f32x4.convert_i32x4_s
// and f32x4.mul are exactly those two roundings. Clamping to [qmin - zp, qmax - zp] before rounding is the
// same as clamping after (rne is monotone and fixes integers) and keeps the int32 conversion and the zp add
// from overflowing (the reference saturates there too).
// Cheap lowering on x64 (this runs once per output, which matters for short reductions): pmax/pmin (single
// maxps/minps; no NaN can occur) instead of the NaN-exact min/max, and round-half-even by the magic number
// 1.5·2^23: for |v| <= 2^22, v + 1.5·2^23 lands where the float spacing is 1, so the add itself rounds v
// to the nearest integer, ties to even, and the low mantissa bits are that integer (minus the magic's bits).

/** 1.5·2^23 and its bit pattern. */
const MAGIC: f32 = 12582912.0;
const MAGIC_BITS: i32 = 0x4b400000;

/** Horizontal sums of four i32x4 partial-sum vectors: lane t = sum of all lanes of a_t. */
@inline
export function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const s23 = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(s01, s23, 0, 1, 4, 5), i32x4.shuffle(s01, s23, 2, 3, 6, 7));
}

/** Requantizes acc + bias with per-lane f32 multipliers and stores `nvalid` (1..4) uint8 results at dst. */
@inline
export function requant_store(acc: v128, bias: v128, mult: v128, zp: i32, lo: f32, hi: f32, dst: usize, nvalid: i32): void {
  let v = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(acc, bias)), mult);
  v = f32x4.pmin(f32x4.pmax(v, f32x4.splat(lo)), f32x4.splat(hi));
  v = i32x4.sub(f32x4.add(v, f32x4.splat(MAGIC)), i32x4.splat(MAGIC_BITS - zp));
  const b16 = i16x8.narrow_i32x4_s(v, v);
  const word = i32x4.extract_lane(i8x16.narrow_i16x8_u(b16, b16), 0);
  if (nvalid >= 4) {
    store<u32>(dst, word);
  } else {
    for (let t = 0; t < nvalid; t++) store<u8>(dst + <usize>t, <u8>(word >>> (t << 3)));
  }
}

/** Stores `nvalid` (1..4) int32 lanes at dst (the raw accumulators of qlinear_acc). */
@inline
export function store_i32(acc: v128, dst: usize, nvalid: i32): void {
  if (nvalid >= 4) {
    v128.store(dst, acc);
  } else {
    store<i32>(dst, i32x4.extract_lane(acc, 0));
    if (nvalid > 1) store<i32>(dst, i32x4.extract_lane(acc, 1), 4);
    if (nvalid > 2) store<i32>(dst, i32x4.extract_lane(acc, 2), 8);
  }
}

/**
 * Requantizes four int32 vectors (bias already added) with multipliers vm and narrows them to sixteen
 * uint8 lanes in order: requant_store's values in fewer steps.
 *  - Default: only the lower clamp is done in float (so v + MAGIC > 0), the upper one on the bytes: a
 *    positive float's bit pattern grows with its value, so a v past 2^22, where the magic add stops
 *    rounding exactly, still lands above 2^22 + zp and saturates (i32 → i16 → u8) to at most qmax.
 *  - `exact` (the caller proved |v| ≤ 2^22 for every possible accumulator): no float clamp at all; the
 *    magic add rounds exactly, the narrowing saturates to 0..255 and both clamps are done on the bytes.
 * vlo = splat(qmin − zp) (f32), vmz = splat(MAGIC_BITS − zp) (i32), vqmin / vqmax = splat(qmin / qmax) (u8).
 */
@inline
export function requant_x16(
  v0: v128, v1: v128, v2: v128, v3: v128, vm0: v128, vm1: v128,
  vlo: v128, vmz: v128, vqmin: v128, vqmax: v128, exact: bool,
): v128 {
  let f0 = f32x4.mul(f32x4.convert_i32x4_s(v0), vm0);
  let f1 = f32x4.mul(f32x4.convert_i32x4_s(v1), vm0);
  let f2 = f32x4.mul(f32x4.convert_i32x4_s(v2), vm1);
  let f3 = f32x4.mul(f32x4.convert_i32x4_s(v3), vm1);
  if (!exact) {
    f0 = f32x4.pmax(f0, vlo);
    f1 = f32x4.pmax(f1, vlo);
    f2 = f32x4.pmax(f2, vlo);
    f3 = f32x4.pmax(f3, vlo);
  }
  const vmagic = f32x4.splat(MAGIC);
  const q0 = i32x4.sub(f32x4.add(f0, vmagic), vmz);
  const q1 = i32x4.sub(f32x4.add(f1, vmagic), vmz);
  const q2 = i32x4.sub(f32x4.add(f2, vmagic), vmz);
  const q3 = i32x4.sub(f32x4.add(f3, vmagic), vmz);
  let b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3));
  if (exact) b = i8x16.max_u(b, vqmin);
  return i8x16.min_u(b, vqmax);
}

/** MAGIC_BITS − zp for requant_x16's vmz. */
@inline
export function magic_minus(zp: i32): v128 {
  return i32x4.splat(MAGIC_BITS - zp);
}

/** Stores the first n (1..16) bytes of v at dst. */
@inline
export function store_bytes(dst: usize, v: v128, n: i32): void {
  if (n >= 16) {
    v128.store(dst, v);
    return;
  }
  const lo = i64x2.extract_lane(v, 0);
  const hi = i64x2.extract_lane(v, 1);
  if (n >= 8) {
    store<u64>(dst, lo);
    for (let t = 8; t < n; t++) store<u8>(dst + <usize>t, <u8>(hi >> (<u64>(t - 8) << 3)));
    return;
  }
  for (let t = 0; t < n; t++) store<u8>(dst + <usize>t, <u8>(lo >> (<u64>t << 3)));
}
