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
    for (let i = 0; i < m; i++) {
      const ao = i * k;
      let j = 0;
      // four outputs at a time share each load of a[p]: 5 loads per 4 multiply-adds instead of 8
      for (; j + 4 <= n; j += 4) {
        const b0 = j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let p = 0; p < k; p++) {
          const av = a[ao + p];
          s0 += av * b[b0 + p];
          s1 += av * b[b1 + p];
          s2 += av * b[b2 + p];
          s3 += av * b[b3 + p];
        }
        const co = i * n + j;
        if (bias) {
          s0 += bias[j];
          s1 += bias[j + 1];
          s2 += bias[j + 2];
          s3 += bias[j + 3];
        }
        if (accumulate) {
          c[co] += s0;
          c[co + 1] += s1;
          c[co + 2] += s2;
          c[co + 3] += s3;
        } else {
          c[co] = s0;
          c[co + 1] = s1;
          c[co + 2] = s2;
          c[co + 3] = s3;
        }
      }
      for (; j < n; j++) {
        const bo = j * k;
        let s = bias ? bias[j] : 0;
        for (let p = 0; p < k; p++) s += a[ao + p] * b[bo + p];
        if (accumulate) c[i * n + j] += s;
        else c[i * n + j] = s;
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
