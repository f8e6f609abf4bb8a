/** The few-rows GEMM path of sgemm (no packing): dot products or row sums in float64. */

/**
 * Few rows (a batch-1 Linear, an RNN step): packing and 4-row tiles would waste most of the work, so
 * each output is a dot product of contiguous rows (B stored [n, k]) or a sum of B rows (B stored [k, n]).
 */
export function sgemm_small_m(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  trans_b: boolean,
  bias: Float32Array | null,
  accumulate: boolean,
): void {
  if (trans_b) {
    const k4 = k - (k % 4);
    for (let i = 0; i < m; i++) {
      const ao = i * k;
      for (let j = 0; j < n; j++) {
        const bo = j * k;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        let p = 0;
        for (; p < k4; p += 4) {
          s0 += a[ao + p] * b[bo + p];
          s1 += a[ao + p + 1] * b[bo + p + 1];
          s2 += a[ao + p + 2] * b[bo + p + 2];
          s3 += a[ao + p + 3] * b[bo + p + 3];
        }
        for (; p < k; p++) s0 += a[ao + p] * b[bo + p];
        const v = s0 + s1 + s2 + s3 + (bias ? bias[j] : 0);
        if (accumulate) c[i * n + j] += v;
        else c[i * n + j] = v;
      }
    }
    return;
  }
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    if (bias) for (let j = 0; j < n; j++) row[j] = bias[j];
    else row.fill(0);
    const ao = i * k;
    for (let p = 0; p < k; p++) {
      const av = a[ao + p];
      const bo = p * n;
      for (let j = 0; j < n; j++) row[j] += av * b[bo + j];
    }
    const co = i * n;
    if (accumulate) for (let j = 0; j < n; j++) c[co + j] += row[j];
    else for (let j = 0; j < n; j++) c[co + j] = row[j];
  }
}
