// Float32 GEMM for few rows of A (batch-1 Linear and friends): packing B would cost as much as the
// product itself, so B is read in place. C[i] = (acc ? C[i] : 0) + bias + A[i]·B.

/** B given as [N][K] (trans_b): four output columns at a time, each a dot product along contiguous k. */
export function sgemv_t(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, c: usize, ldc: i32, bias: usize, accumulate: bool): void {
  const brow = <usize>K << 2;
  const K4 = K & ~3;
  for (let i = 0; i < M; i++) {
    const ar = a + ((<usize>i * <usize>lda) << 2);
    const cr = c + ((<usize>i * <usize>ldc) << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = b + <usize>j * brow, b1 = b0 + brow, b2 = b1 + brow, b3 = b2 + brow;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        const x = v128.load(ar + o);
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(b0 + o)));
        s1 = f32x4.add(s1, f32x4.mul(x, v128.load(b1 + o)));
        s2 = f32x4.add(s2, f32x4.mul(x, v128.load(b2 + o)));
        s3 = f32x4.add(s3, f32x4.mul(x, v128.load(b3 + o)));
      }
      // transpose-add the four partial-sum vectors into one vector of four dots
      const t01 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
      const t23 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
      let v = f32x4.add(i32x4.shuffle(t01, t23, 0, 1, 4, 5), i32x4.shuffle(t01, t23, 2, 3, 6, 7));
      for (let k = K4; k < K; k++) {
        const x = load<f32>(ar + (<usize>k << 2));
        const o = <usize>k << 2;
        v = f32x4.add(v, f32x4.mul(f32x4.splat(x), f32x4(load<f32>(b0 + o), load<f32>(b1 + o), load<f32>(b2 + o), load<f32>(b3 + o))));
      }
      const cp = cr + (<usize>j << 2);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + (<usize>j << 2)));
      if (accumulate) v = f32x4.add(v, v128.load(cp));
      v128.store(cp, v);
    }
    for (; j < N; j++) {
      const br = b + <usize>j * brow;
      let s: f32 = 0;
      for (let k = 0; k < K; k++) s += load<f32>(ar + (<usize>k << 2)) * load<f32>(br + (<usize>k << 2));
      if (bias != 0) s += load<f32>(bias + (<usize>j << 2));
      const cp = cr + (<usize>j << 2);
      if (accumulate) s += load<f32>(cp);
      store<f32>(cp, s);
    }
  }
}

/** B given as [K][N]: the C row accumulates A[i][k]·B[k][:] over k (rows of B stream contiguously). */
export function sgemv_n(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, c: usize, ldc: i32, bias: usize, accumulate: bool): void {
  const N4 = N & ~3;
  for (let i = 0; i < M; i++) {
    const ar = a + ((<usize>i * <usize>lda) << 2);
    const cr = c + ((<usize>i * <usize>ldc) << 2);
    for (let j = 0; j < N; j++) {
      let v: f32 = accumulate ? load<f32>(cr + (<usize>j << 2)) : 0;
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      store<f32>(cr + (<usize>j << 2), v);
    }
    for (let k = 0; k < K; k++) {
      const x = load<f32>(ar + (<usize>k << 2));
      const xv = f32x4.splat(x);
      const br = b + ((<usize>k * <usize>N) << 2);
      let j = 0;
      for (; j < N4; j += 4) {
        const o = <usize>j << 2;
        v128.store(cr + o, f32x4.add(v128.load(cr + o), f32x4.mul(xv, v128.load(br + o))));
      }
      for (; j < N; j++) {
        const o = <usize>j << 2;
        store<f32>(cr + o, load<f32>(cr + o) + x * load<f32>(br + o));
      }
    }
  }
}
