/**
 * Blocked single-precision GEMM for the js backend.
 *
 * Layout follows the GotoBLAS scheme: B is packed per (KC x NC) block into NR-wide column panels,
 * A per (MC x KC) block into MR-high row panels, and a 4x4 register-blocked micro-kernel walks
 * both panels with unit stride. Packing absorbs the transpose flags, so one micro-kernel serves
 * all four (trans_a, trans_b) cases. Products accumulate in float64 inside a KC block (V8 keeps
 * scalars as doubles anyway) and are rounded to float32 when stored.
 */

import { sgemm_small_m } from './gemm_small.js';

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 512;

/** Options of `sgemm`, as in the Fp32Kernels contract. */
export interface SgemmOptions {
  trans_a?: boolean;
  trans_b?: boolean;
  bias?: Float32Array | null;
  accumulate?: boolean;
}

// scratch panels reused across calls (single-threaded, never re-entered)
let a_pack = new Float32Array(MC * KC);
let b_pack = new Float32Array(KC * NC);

/** Packs op(A)[i0:i0+mc, p0:p0+kc] into MR-high panels, each stored k-major (MR values per k). */
function pack_a(a: Float32Array, lda: number, trans: boolean, i0: number, mc: number, p0: number, kc: number): void {
  const dst = a_pack;
  let o = 0;
  for (let ib = 0; ib < mc; ib += MR) {
    const rows = Math.min(MR, mc - ib);
    if (!trans && rows === MR) {
      // fast path: four row pointers read contiguously along k
      const r0 = (i0 + ib) * lda + p0;
      const r1 = r0 + lda;
      const r2 = r1 + lda;
      const r3 = r2 + lda;
      for (let p = 0; p < kc; p++) {
        dst[o] = a[r0 + p];
        dst[o + 1] = a[r1 + p];
        dst[o + 2] = a[r2 + p];
        dst[o + 3] = a[r3 + p];
        o += 4;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        if (r < rows) {
          const i = i0 + ib + r;
          const kk = p0 + p;
          // op(A)[i, k] is a[i*lda + k] normally, a[k*lda + i] when A is stored as [k, m]
          dst[o++] = trans ? a[kk * lda + i] : a[i * lda + kk];
        } else dst[o++] = 0;
      }
    }
  }
}

/** Packs op(B)[p0:p0+kc, j0:j0+nc] into NR-wide panels, each stored k-major (NR values per k). */
function pack_b(b: Float32Array, ldb: number, trans: boolean, p0: number, kc: number, j0: number, nc: number): void {
  const dst = b_pack;
  let o = 0;
  for (let jb = 0; jb < nc; jb += NR) {
    const cols = Math.min(NR, nc - jb);
    if (!trans && cols === NR) {
      // fast path: four contiguous values per k row
      let src = p0 * ldb + j0 + jb;
      for (let p = 0; p < kc; p++, src += ldb) {
        dst[o] = b[src];
        dst[o + 1] = b[src + 1];
        dst[o + 2] = b[src + 2];
        dst[o + 3] = b[src + 3];
        o += 4;
      }
      continue;
    }
    if (trans && cols === NR) {
      // B stored [n, k]: four rows of B read contiguously along k
      const r0 = (j0 + jb) * ldb + p0;
      const r1 = r0 + ldb;
      const r2 = r1 + ldb;
      const r3 = r2 + ldb;
      for (let p = 0; p < kc; p++) {
        dst[o] = b[r0 + p];
        dst[o + 1] = b[r1 + p];
        dst[o + 2] = b[r2 + p];
        dst[o + 3] = b[r3 + p];
        o += 4;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const kk = p0 + p;
      for (let c = 0; c < NR; c++) {
        if (c < cols) {
          const j = j0 + jb + c;
          // op(B)[k, j] is b[k*ldb + j] normally, b[j*ldb + k] when B is stored as [n, k]
          dst[o++] = trans ? b[j * ldb + kk] : b[kk * ldb + j];
        } else dst[o++] = 0;
      }
    }
  }
}

/**
 * C[i0.., j0..] (+)= packed A panel x packed B panel for one MR x NR tile.
 * `first`: the tile is written (not added) unless `accumulate`; bias is added on the first K block.
 */
function micro_kernel(
  kc: number,
  ao: number,
  bo: number,
  c: Float32Array,
  ldc: number,
  ci: number,
  rows: number,
  cols: number,
  add: boolean,
): void {
  const ap = a_pack;
  const bp = b_pack;
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ao],
      a1 = ap[ao + 1],
      a2 = ap[ao + 2],
      a3 = ap[ao + 3];
    const b0 = bp[bo],
      b1 = bp[bo + 1],
      b2 = bp[bo + 2],
      b3 = bp[bo + 3];
    ao += 4;
    bo += 4;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (rows === 4 && cols === 4) {
    if (add) {
      c[ci] += c00;
      c[ci + 1] += c01;
      c[ci + 2] += c02;
      c[ci + 3] += c03;
      ci += ldc;
      c[ci] += c10;
      c[ci + 1] += c11;
      c[ci + 2] += c12;
      c[ci + 3] += c13;
      ci += ldc;
      c[ci] += c20;
      c[ci + 1] += c21;
      c[ci + 2] += c22;
      c[ci + 3] += c23;
      ci += ldc;
      c[ci] += c30;
      c[ci + 1] += c31;
      c[ci + 2] += c32;
      c[ci + 3] += c33;
    } else {
      c[ci] = c00;
      c[ci + 1] = c01;
      c[ci + 2] = c02;
      c[ci + 3] = c03;
      ci += ldc;
      c[ci] = c10;
      c[ci + 1] = c11;
      c[ci + 2] = c12;
      c[ci + 3] = c13;
      ci += ldc;
      c[ci] = c20;
      c[ci + 1] = c21;
      c[ci + 2] = c22;
      c[ci + 3] = c23;
      ci += ldc;
      c[ci] = c30;
      c[ci + 1] = c31;
      c[ci + 2] = c32;
      c[ci + 3] = c33;
    }
    return;
  }
  // edge tile: spill to a small array and copy the valid part
  const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < cols; s++) {
      const v = t[r * 4 + s];
      if (add) c[ci + r * ldc + s] += v;
      else c[ci + r * ldc + s] = v;
    }
  }
}

/**
 * C[m, n] = op(A)[m, k] · op(B)[k, n] (+ bias[n]) (+ C when accumulate); row-major.
 * trans_a reads A as stored [k, m]; trans_b reads B as stored [n, k] (a Linear weight).
 */
export function sgemm(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  options: SgemmOptions = {},
): void {
  const trans_a = options.trans_a ?? false;
  const trans_b = options.trans_b ?? false;
  const bias = options.bias ?? null;
  const accumulate = options.accumulate ?? false;
  if (a.length < m * k) throw new Error(`sgemm: A has ${a.length} elements, needs m*k = ${m}*${k}`);
  if (b.length < k * n) throw new Error(`sgemm: B has ${b.length} elements, needs k*n = ${k}*${n}`);
  if (c.length < m * n) throw new Error(`sgemm: C has ${c.length} elements, needs m*n = ${m}*${n}`);
  if (bias && bias.length < n) throw new Error(`sgemm: bias has ${bias.length} elements, needs n = ${n}`);
  if (m === 0 || n === 0) return;
  if (k === 0) {
    // empty reduction: C = bias (or unchanged when accumulating)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        const v = bias ? bias[j] : 0;
        if (accumulate) c[i * n + j] += v;
        else c[i * n + j] = v;
      }
    return;
  }
  if (m < MR && !trans_a) {
    sgemm_small_m(m, n, k, a, b, c, trans_b, bias, accumulate);
    return;
  }
  const lda = trans_a ? m : k;
  const ldb = trans_b ? k : n;
  if (a_pack.length < MC * KC) a_pack = new Float32Array(MC * KC);
  if (b_pack.length < KC * NC) b_pack = new Float32Array(KC * NC);
  if (bias && !accumulate) {
    // start from the bias so every K block can simply add
    for (let i = 0; i < m; i++) c.set(bias.subarray(0, n), i * n);
  } else if (bias) {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[i * n + j] += bias[j];
  }
  const add_first = accumulate || bias !== null;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      pack_b(b, ldb, trans_b, p0, kc, j0, nc);
      const add = p0 > 0 || add_first;
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        pack_a(a, lda, trans_a, i0, mc, p0, kc);
        for (let jb = 0; jb < nc; jb += NR) {
          const cols = Math.min(NR, nc - jb);
          const bo = (jb / NR) * kc * NR;
          for (let ib = 0; ib < mc; ib += MR) {
            const rows = Math.min(MR, mc - ib);
            micro_kernel(kc, (ib / MR) * kc * MR, bo, c, n, (i0 + ib) * n + j0 + jb, rows, cols, add);
          }
        }
      }
    }
  }
}
