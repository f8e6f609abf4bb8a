/**
 * float16 rounding (IEEE 754 binary16, round half to even): what quantize_dynamic(dtype=float16) does to
 * weights. Node 20 has no Math.f16round, so the bit conversion is written out here.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to x (ties to even; overflow → ±Infinity; NaN stays NaN). */
export function float16_bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let man = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: inf
  if (e <= 0) {
    // subnormal half (or zero): shift the implicit-1 mantissa right, rounding half to even
    if (e < -10) return sign;
    man |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = man & ((1 << shift) - 1);
    let h = man >>> shift;
    if (rest > half || (rest === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (man >>> 13);
  const rest = man & 0x1fff;
  // a carry out of the mantissa correctly bumps the exponent (and reaches inf at the top)
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** The float value of a binary16 bit pattern. */
export function float16_value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 0x1f) return man ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** x rounded to the nearest float16 and back (torch's x.half().float()). */
export function round_to_float16(x: number): number {
  return float16_value(float16_bits(x));
}
