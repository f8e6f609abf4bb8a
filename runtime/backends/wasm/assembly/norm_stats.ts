// The integer statistics of PyTorch 1.13's quantized_normalize_kernel (hsum / hsum_sq), shared by LayerNorm
// (qtransformer.ts) and GroupNorm / InstanceNorm (qgroup_norm.ts).

/** Σx and Σx² of n bytes at o, 16 at a time in i32 lanes (n ≤ 33025 keeps Σx² inside int32). */
@inline
function row_sums(o: usize, n: i32, sums: usize): void {
  let vs = i32x4.splat(0);
  let vq = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(o + <usize>i);
    vs = i32x4.add(vs, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(v)));
    const lo = i16x8.extend_low_i8x16_u(v);
    const hi = i16x8.extend_high_i8x16_u(v);
    vq = i32x4.add(vq, i32x4.add(i32x4.dot_i16x8_s(lo, lo), i32x4.dot_i16x8_s(hi, hi)));
  }
  let s = i32x4.extract_lane(vs, 0) + i32x4.extract_lane(vs, 1) + i32x4.extract_lane(vs, 2) + i32x4.extract_lane(vs, 3);
  let q = i32x4.extract_lane(vq, 0) + i32x4.extract_lane(vq, 1) + i32x4.extract_lane(vq, 2) + i32x4.extract_lane(vq, 3);
  for (; i < n; i++) {
    const v = <i32>load<u8>(o + <usize>i);
    s += v;
    q += v * v;
  }
  store<f64>(sums, <f64>s);
  store<f64>(sums, <f64>q, 8);
}

/** Σx and Σx² of n bytes at o, stored as exact f64 at sums and sums + 8 (SIMD up to n = 33025, f64 beyond). */
export function byte_sums(o: usize, n: i32, sums: usize): void {
  if (n <= 33025) {
    row_sums(o, n, sums);
    return;
  }
  let s: f64 = 0;
  let ss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<u8>(o + <usize>i);
    s += v;
    ss += v * v;
  }
  store<f64>(sums, s);
  store<f64>(sums, ss, 8);
}
