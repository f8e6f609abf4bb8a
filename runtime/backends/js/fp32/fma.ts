/** A float32 fused multiply-add emulated exactly in float64 (x86 vfmadd rounding), for the PyTorch-rounding kernels. */

const f = Math.fround;

const tie_buf = new Float32Array(1);
const tie_bits = new Int32Array(tie_buf.buffer);

/** fl(a·b + c) rounded once, as a hardware fma: the float32 product is exact in float64, so one rounding of
 * the float64 sum to float32 is exact except when that sum is itself a rounded tie, which is resolved here. */
export function fma_f32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f(s);
  // only a float64 sum lying exactly halfway between two floats can have been rounded the wrong way; such
  // a sum is r ± half an ulp, so r + 2(s − r) is a float (the cheap test lets almost every case out here)
  const t = r + 2 * (s - r);
  if (f(t) !== t || r === s) return r;
  return fma_tie(p, c, s, r);
}

/** The tie case of fma_f32 (also inlined by the conv kernel's hot loop). */
export function fma_tie(p: number, c: number, s: number, r: number): number {
  const bp = s - p;
  const err = p - (s - bp) + (c - bp);
  if (err === 0) return r;
  // the float32 on the other side of s (from ±0: the smallest subnormal of s's sign)
  let other: number;
  if (r === 0) other = s > 0 ? 2 ** -149 : -(2 ** -149);
  else {
    tie_buf[0] = r;
    tie_bits[0] += s > r === r > 0 ? 1 : -1;
    other = tie_buf[0];
  }
  if (s - r !== other - s) return r;
  return err > 0 === other > r ? other : r;
}
