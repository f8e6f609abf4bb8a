// Int8 GEMM on pre-widened int16 operands with i32x4.dot_i16x8_s (pmaddwd): both operands are row-major
// int16 matrices whose rows run along the reduction axis k (padded with zeros to kp, a multiple of 8), with
// zero points already subtracted, so every product pair sum is exact in int32 (|x-zx|,|w-zw| <= 255).
//   out[i, j] = sum_k A[i, k] * B[j, k]      i < M rows of A, j < N rows of B (B padded to a multiple of 4 rows)
// The register tile is 2 rows of A x 4 rows of B: 8 i32x4 accumulators, each holding 4 partial sums that
// are reduced horizontally once per tile (hsum4), which yields 4 consecutive j in one vector: j is the
// contiguous axis of the output (n for Linear, output pixels for NCHW conv).
import { hsum4, requant_store, store_i32 } from './requant';

/** Output modes: requantize with per-lane (j) channel params, per-row (i) channel params, or raw int32. */
export const MODE_CH_LANE: i32 = 0;
export const MODE_CH_ROW: i32 = 1;
export const MODE_ACC_I32: i32 = 2;

@inline
function emit(acc: v128, i: i32, j: i32, N: i32, y: usize, ldy: i32, mode: i32, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32): void {
  const nvalid = min(4, N - j);
  const idx = <usize>(i * ldy + j);
  if (mode == MODE_ACC_I32) {
    store_i32(acc, y + (idx << 2), nvalid);
  } else if (mode == MODE_CH_LANE) {
    const o = <usize>j << 2;
    requant_store(acc, v128.load(bias + o), v128.load(mult + o), zp, lo, hi, y + idx, nvalid);
  } else {
    const o = <usize>i << 2;
    requant_store(acc, i32x4.splat(load<i32>(bias + o)), f32x4.splat(load<f32>(mult + o)), zp, lo, hi, y + idx, nvalid);
  }
}

/**
 * Ends a tile's K block: adds the partial sums of earlier blocks (kept in `part`, [M][n4] int32), then
 * either keeps the total there (more blocks follow) or emits it (last block).
 */
@inline
function finish(
  v: v128, i: i32, j: i32, N: i32, row: usize, k0: usize, k1: usize, part: usize, n4: i32,
  y: usize, ldy: i32, mode: i32, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32,
): void {
  const p = part + (<usize>(i * n4 + j) << 2);
  if (k0 > 0) v = i32x4.add(v, v128.load(p));
  if (k1 < row) v128.store(p, v);
  else emit(v, i, j, N, y, ldy, mode, bias, mult, zp, lo, hi);
}

/** One 2x4 register tile: rows i, i+1 of A against rows j..j+3 of B, reduced and emitted. */
@inline
function tile2(
  a: usize, b: usize, i: i32, j: i32, N: i32, row: usize, k0: usize, k1: usize, part: usize, n4: i32,
  y: usize, ldy: i32, mode: i32, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32,
): void {
  const zero = i32x4.splat(0);
  const a0 = a + <usize>i * row;
  const a1 = a0 + row;
  const b0 = b + <usize>j * row;
  const b1 = b0 + row;
  const b2 = b1 + row;
  const b3 = b2 + row;
  let c00 = zero, c01 = zero, c02 = zero, c03 = zero;
  let c10 = zero, c11 = zero, c12 = zero, c13 = zero;
  for (let k = k0; k < k1; k += 16) {
    const x0 = v128.load(a0 + k);
    const x1 = v128.load(a1 + k);
    let w = v128.load(b0 + k);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x0, w));
    c10 = i32x4.add(c10, i32x4.dot_i16x8_s(x1, w));
    w = v128.load(b1 + k);
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x0, w));
    c11 = i32x4.add(c11, i32x4.dot_i16x8_s(x1, w));
    w = v128.load(b2 + k);
    c02 = i32x4.add(c02, i32x4.dot_i16x8_s(x0, w));
    c12 = i32x4.add(c12, i32x4.dot_i16x8_s(x1, w));
    w = v128.load(b3 + k);
    c03 = i32x4.add(c03, i32x4.dot_i16x8_s(x0, w));
    c13 = i32x4.add(c13, i32x4.dot_i16x8_s(x1, w));
  }
  finish(hsum4(c00, c01, c02, c03), i, j, N, row, k0, k1, part, n4, y, ldy, mode, bias, mult, zp, lo, hi);
  finish(hsum4(c10, c11, c12, c13), i + 1, j, N, row, k0, k1, part, n4, y, ldy, mode, bias, mult, zp, lo, hi);
}

/** The 1x4 tile for the last row when M is odd. */
@inline
function tile1(
  a: usize, b: usize, i: i32, j: i32, N: i32, row: usize, k0: usize, k1: usize, part: usize, n4: i32,
  y: usize, ldy: i32, mode: i32, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32,
): void {
  const zero = i32x4.splat(0);
  const a0 = a + <usize>i * row;
  const b0 = b + <usize>j * row;
  const b1 = b0 + row;
  const b2 = b1 + row;
  const b3 = b2 + row;
  let c00 = zero, c01 = zero, c02 = zero, c03 = zero;
  for (let k = k0; k < k1; k += 16) {
    const x0 = v128.load(a0 + k);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x0, v128.load(b0 + k)));
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x0, v128.load(b1 + k)));
    c02 = i32x4.add(c02, i32x4.dot_i16x8_s(x0, v128.load(b2 + k)));
    c03 = i32x4.add(c03, i32x4.dot_i16x8_s(x0, v128.load(b3 + k)));
  }
  finish(hsum4(c00, c01, c02, c03), i, j, N, row, k0, k1, part, n4, y, ldy, mode, bias, mult, zp, lo, hi);
}

/** Reduction block (int16 elements) when kp is large: 2 A rows + 4 B rows of it stay in L1. */
const KC: i32 = 512;

/** Bytes of the partial-sum scratch qgemm needs (0 when kp fits one block). */
export function qgemm_part_bytes(M: i32, N: i32, kp: i32): i32 {
  return kp > 2 * KC ? M * ((N + 3) & ~3) * 4 : 0;
}

/**
 * out = requant(A·Bᵀ) (or raw int32 for MODE_ACC_I32). a: [M][kp] i16, b: [ceil(N/4)*4][kp] i16.
 * bias (i32) / mult (f32) are indexed by j (padded to a multiple of 4) or by i, as `mode` says.
 * y is uint8 (or int32) with row stride ldy elements. When kp > 2·KC the reduction is blocked by KC so
 * each block of A and B stays in L2; `part` (qgemm_part_bytes) holds the partial sums between blocks.
 * Loop order: the larger operand is walked in the outer loop, so the tile's rows of it stay in L1 while
 * the smaller one streams past.
 */
export function qgemm(
  a: usize, b: usize, M: i32, N: i32, kp: i32,
  y: usize, ldy: i32, mode: i32, bias: usize, mult: usize, zp: i32, lo: f32, hi: f32, part: usize,
): void {
  const row = <usize>kp << 1;
  const Me = M & ~1;
  const n4 = (N + 3) & ~3;
  const kc: usize = kp > 2 * KC ? <usize>KC << 1 : row;
  for (let k0: usize = 0; k0 < row; k0 += kc) {
    const k1 = min(row, k0 + kc);
    if (M > N) {
      for (let i = 0; i < Me; i += 2) {
        for (let j = 0; j < N; j += 4) tile2(a, b, i, j, N, row, k0, k1, part, n4, y, ldy, mode, bias, mult, zp, lo, hi);
      }
    } else {
      for (let j = 0; j < N; j += 4) {
        for (let i = 0; i < Me; i += 2) tile2(a, b, i, j, N, row, k0, k1, part, n4, y, ldy, mode, bias, mult, zp, lo, hi);
      }
    }
    if (Me < M) {
      for (let j = 0; j < N; j += 4) tile1(a, b, Me, j, N, row, k0, k1, part, n4, y, ldy, mode, bias, mult, zp, lo, hi);
    }
  }
}
