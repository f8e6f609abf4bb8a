// Float32 GEMM: C[M][N] = (accumulate ? C : 0) + A[M][K]·B[K][N] + bias[N].
// B is packed once per call into panels of 8 columns, [ceil(N/8)][K][8], so the 4x8 register tile
// (8 f32x4 accumulators, 2 B vectors, 1 broadcast A value) streams one contiguous panel. K is blocked
// (KC) so a panel slice stays in L1 while every row block of A passes over it; between blocks the
// partial sums live in C itself.

const KC: i32 = 256;

/** a*b + c: fused (relaxed_madd) in the relaxed-SIMD build, mul then add in the baseline build. */
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Loads n (0..4, 4 = all) f32 lanes from p, zeros elsewhere. */
@inline
function load_part(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores n (0..4, 4 = all) f32 lanes of v at p. */
@inline
function store_part(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Initial accumulator half: C (later K blocks), or bias (+ C when accumulating) on the first block. */
@inline
function init_half(p: usize, n: i32, first: bool, acc_in: bool, bv: v128): v128 {
  if (!first) return load_part(p, n);
  if (acc_in) return f32x4.add(load_part(p, n), bv);
  return bv;
}

/** Packs B ([K][N] row-major, or [N][K] when trans) into [ceil(N/8)][K][8] panels, zero-padded. */
export function pack_b_f32(b: usize, K: i32, N: i32, trans: bool, out: usize): void {
  const np = (N + 7) >> 3;
  let dst = out;
  for (let jp = 0; jp < np; jp++) {
    const j = jp << 3;
    const nv = min(8, N - j);
    for (let k = 0; k < K; k++) {
      if (!trans && nv == 8) {
        const src = b + ((<usize>k * <usize>N + <usize>j) << 2);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let l = 0; l < 8; l++) {
          let v: f32 = 0;
          if (l < nv) v = trans ? load<f32>(b + ((<usize>(j + l) * <usize>K + <usize>k) << 2)) : load<f32>(b + ((<usize>k * <usize>N + <usize>(j + l)) << 2));
          store<f32>(dst + (<usize>l << 2), v);
        }
      }
      dst += 32;
    }
  }
}

/** out[M][K] = transpose of a [K][M] (A given with trans_a). */
export function transpose_f32(a: usize, K: i32, M: i32, out: usize): void {
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) store<f32>(out + ((<usize>i * <usize>K + <usize>k) << 2), load<f32>(a + ((<usize>k * <usize>M + <usize>i) << 2)));
  }
}

/** C = (acc ? C : 0) + A·B + bias; a: [M][lda] f32, bp: packed panels of B, c: [M][ldc], bias: [N] f32 or 0. */
export function sgemm_packed(M: i32, N: i32, K: i32, a: usize, lda: i32, bp: usize, c: usize, ldc: i32, bias: usize, accumulate: bool): void {
  const np = (N + 7) >> 3;
  const arow = <usize>lda << 2;
  const crow = <usize>ldc << 2;
  for (let k0 = 0; k0 < K || k0 == 0; k0 += KC) {
    const k1 = min(K, k0 + KC);
    const first = k0 == 0;
    for (let jp = 0; jp < np; jp++) {
      const j = jp << 3;
      const n0 = min(4, N - j);
      const n1 = max(0, min(4, N - j - 4));
      const bv0 = bias != 0 ? load_part(bias + (<usize>j << 2), n0) : f32x4.splat(0);
      const bv1 = bias != 0 && n1 > 0 ? load_part(bias + (<usize>(j + 4) << 2), n1) : f32x4.splat(0);
      const pb = bp + ((<usize>jp * <usize>K + <usize>k0) << 5);
      const kb = <usize>(k1 - k0);
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        const c0 = c + <usize>i * crow + (<usize>j << 2);
        const c1 = c0 + crow, c2 = c1 + crow, c3 = c2 + crow;
        let d00 = init_half(c0, n0, first, accumulate, bv0), d01 = init_half(c0 + 16, n1, first, accumulate, bv1);
        let d10 = init_half(c1, n0, first, accumulate, bv0), d11 = init_half(c1 + 16, n1, first, accumulate, bv1);
        let d20 = init_half(c2, n0, first, accumulate, bv0), d21 = init_half(c2 + 16, n1, first, accumulate, bv1);
        let d30 = init_half(c3, n0, first, accumulate, bv0), d31 = init_half(c3 + 16, n1, first, accumulate, bv1);
        let a0 = a + <usize>i * arow + (<usize>k0 << 2);
        const a1 = arow, a2 = arow * 2, a3 = arow * 3;
        let p = pb;
        for (let k: usize = 0; k < kb; k++) {
          const b0 = v128.load(p);
          const b1 = v128.load(p, 16);
          let x = v128.load32_splat(a0);
          d00 = madd(x, b0, d00); d01 = madd(x, b1, d01);
          x = v128.load32_splat(a0 + a1);
          d10 = madd(x, b0, d10); d11 = madd(x, b1, d11);
          x = v128.load32_splat(a0 + a2);
          d20 = madd(x, b0, d20); d21 = madd(x, b1, d21);
          x = v128.load32_splat(a0 + a3);
          d30 = madd(x, b0, d30); d31 = madd(x, b1, d31);
          a0 += 4;
          p += 32;
        }
        store_part(c0, d00, n0); store_part(c0 + 16, d01, n1);
        store_part(c1, d10, n0); store_part(c1 + 16, d11, n1);
        store_part(c2, d20, n0); store_part(c2 + 16, d21, n1);
        store_part(c3, d30, n0); store_part(c3 + 16, d31, n1);
      }
      for (; i < M; i++) {
        const c0 = c + <usize>i * crow + (<usize>j << 2);
        let d00 = init_half(c0, n0, first, accumulate, bv0), d01 = init_half(c0 + 16, n1, first, accumulate, bv1);
        let a0 = a + <usize>i * arow + (<usize>k0 << 2);
        let p = pb;
        for (let k: usize = 0; k < kb; k++) {
          const x = v128.load32_splat(a0);
          d00 = madd(x, v128.load(p), d00);
          d01 = madd(x, v128.load(p, 16), d01);
          a0 += 4;
          p += 32;
        }
        store_part(c0, d00, n0); store_part(c0 + 16, d01, n1);
      }
    }
    if (K == 0) break;
  }
}

/**
 * im2col for one image and one group of a float conv, written straight into sgemm's packed-B layout:
 * B[k][p] with k = (c - c0)*kh*kw + r*kw + s and p the output pixel, as [ceil(P/8)][K][8] panels.
 */
export function im2col_f32_packed(
  x: usize, H: i32, W: i32, c0: i32, cg: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, OH: i32, OW: i32, out: usize, p0: i32, p1: i32,
): void {
  // pixels [p0, p1) only (p0 a multiple of 8): threads fill disjoint panels of one matrix
  const K = cg * kh * kw;
  const P = OH * OW;
  const panel = <usize>K << 5;
  if (P & 7 && p1 == P) memory.fill(out + <usize>(P >> 3) * panel, 0, panel);
  const plane = <usize>H * <usize>W;
  let p = p0;
  for (let oh = p0 / OW; oh < OH && p < p1; oh++) {
    for (let ow = p - oh * OW; ow < OW && p < p1; ow++) {
      let dst = out + <usize>(p >> 3) * panel + (<usize>(p & 7) << 2);
      for (let c = c0; c < c0 + cg; c++) {
        const src = x + ((<usize>c * plane) << 2);
        for (let r = 0; r < kh; r++) {
          const ih = oh * sh - ph + r * dh;
          const ok = ih >= 0 && ih < H;
          const srow = src + ((<usize>ih * <usize>W) << 2);
          for (let s = 0; s < kw; s++) {
            const iw = ow * sw - pw + s * dw;
            store<f32>(dst, ok && iw >= 0 && iw < W ? load<f32>(srow + (<usize>iw << 2)) : 0);
            dst += 32;
          }
        }
      }
      p++;
    }
  }
}
