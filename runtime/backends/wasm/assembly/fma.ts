// Exact float32 fused multiply-add in f64 (x86 vfmadd rounding), shared by the softmax island (qsoftmax.ts: Sleef
// expf) and the embedding bags (qembedding_bag.ts: fbgemm's fma(scale, q, acc + bias)); js: fp32/fma.ts.

/** The tie case of fma32 (js: fp32/fma.ts fma_tie): s = p + c was a float32 tie; decide by the f64 error. */
export function fma_tie(p: f64, c: f64, s: f64, r: f32): f32 {
  const bp = s - p;
  const err = p - (s - bp) + (c - bp);
  if (err == 0) return r;
  // the float32 on the other side of s (from ±0: the smallest subnormal of s's sign)
  const other =
    r == 0
      ? (s > 0 ? reinterpret<f32>(<i32>1) : -reinterpret<f32>(<i32>1))
      : reinterpret<f32>(reinterpret<i32>(r) + ((s > <f64>r) == (r > 0) ? 1 : -1));
  if (s - <f64>r != <f64>other - s) return r;
  return (err > 0) == (other > r) ? other : r;
}

/** fl32(a·b + c) rounded once: the product is exact in f64, one f64 sum, fixed up when it is a float32 tie. */
@inline
export function fma32(a: f32, b: f32, c: f32): f32 {
  const p = <f64>a * <f64>b;
  const s = p + <f64>c;
  const r = <f32>s;
  const t = <f64>r + 2 * (s - <f64>r);
  if (<f64><f32>t != t || <f64>r == s) return r;
  return fma_tie(p, <f64>c, s, r);
}

