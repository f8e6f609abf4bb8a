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
