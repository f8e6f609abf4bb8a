/**
 * F.linear as PyTorch 1.13 computes it on the reference x86 machine: addmm presets C to the bias and calls
 * OpenBLAS 0.3.21's sgemm, whose float order depends on the driver's K steps, its thread partition and the
 * ZEN micro-kernels (some keep two accumulators). Part of set_fp32_numerics('pytorch_x86') (pytorch_x86.ts).
 */
import { fma_f32 } from './fma.js';

const f = Math.fround;

// OpenBLAS 0.3.21 sgemm as the reference machine runs it (Debian DYNAMIC_ARCH build → ZEN kernel table on
// Zen 3, 2 vCPUs → 2 threads): param.h ZEN SGEMM_DEFAULT_P/Q 320, UNROLL_M 8, UNROLL_N 4, SWITCH_RATIO 8;
// level3_thread.c DIVIDE_RATE 2 and GEMM_PREFERED_SIZE 1 (the driver is built for the generic target, so its
// partitions are not rounded to multiples of 8); interface/gemm.c threads above 65536·4 = m·n·k and sends
// m·n·k ≤ 100³ to the small-matrix kernel (kernel/generic/gemm_small_matrix_permit.c).
const GEMM_P = 320;
const GEMM_Q = 320;
const GEMM_UNROLL_M = 8;
const GEMM_UNROLL_N = 4;
const SWITCH_RATIO = 8;
const DIVIDE_RATE = 2;
const REFERENCE_THREADS = 2;
const MULTITHREAD_MNK = 65536 * 4;
const SMALL_MATRIX_MNK = 100 * 100 * 100;

/** K split into OpenBLAS's min_l steps: GEMM_Q while at least 2·GEMM_Q remain, then a rest above GEMM_Q in two
 * halves (level3_thread.c: ⌈rest/2⌉; level3.c: rest/2 rounded up to GEMM_UNROLL_M). */
function k_steps(k: number, threaded: boolean): number[] {
  const steps: number[] = [];
  for (let ls = 0; ls < k; ) {
    let min_l = k - ls;
    if (min_l >= GEMM_Q * 2) min_l = GEMM_Q;
    else if (min_l > GEMM_Q)
      min_l = threaded ? Math.floor((min_l + 1) / 2) : Math.ceil(Math.floor(min_l / 2) / GEMM_UNROLL_M) * GEMM_UNROLL_M;
    steps.push(min_l);
    ls += min_l;
  }
  return steps;
}

/** Marks in `two` (column-major BLAS C, ldc rows) the elements that sgemm_kernel_8x4_haswell_2.c sums with two
 * accumulators (even k / odd k of each pair, added at the end) when called on the mk × nk block at (r0, c0):
 * the m8n6 head and tail of its staggered m16n6 scheme for 12 columns (m ≥ 16), and m8n4. */
function mark_kernel(two: Uint8Array, ldc: number, r0: number, c0: number, mk: number, nk: number): void {
  const mark = (ra: number, rb: number, ca: number, cb: number) => {
    for (let c = c0 + ca; c < c0 + cb; c++) two.fill(1, r0 + ra + c * ldc, r0 + rb + c * ldc);
  };
  let c = 0;
  let n = nk;
  for (; n > 11; n -= 12, c += 12) {
    if (mk < 16) continue; // m8n12, m4n12, ...: one accumulator
    mark(0, 8, c, c + 6); // COMPUTE_H_m8n6 on the left 6 columns
    // R_m16n6 (right columns) and L_m16n6 (left) alternate, 8 rows apart; an m8n6 tail closes the side left open
    for (let row = 0, r = mk; ; ) {
      row += 8;
      r -= 8;
      if (r < 16) {
        mark(row, row + 8, c, c + 6);
        break;
      }
      row += 8;
      r -= 8;
      if (r < 16) {
        mark(row, row + 8, c + 6, c + 12);
        break;
      }
    }
  }
  for (; n > 7; n -= 8) c += 8; // m8n8: one accumulator
  for (; n > 3; n -= 4, c += 4) mark(0, mk - (mk % 8), c, c + 4); // COMPUTE_m8n4 (KERNEL_k2m8n4)
}

/** 1 for the elements of the m × n (BLAS dims) product that OpenBLAS computes with two accumulators, following
 * the driver's partition into kernel calls (level3.c single-threaded, level3_thread.c threaded), and whether the
 * threaded driver ran. */
function sgemm_two_acc(m: number, n: number, k: number, max_threads: number): { two: Uint8Array; threaded: boolean } {
  const two = new Uint8Array(m * n);
  const threads = m * n * k <= MULTITHREAD_MNK ? 1 : max_threads;
  let nthreads_m = 1;
  let nthreads_n = 1;
  if (threads > 1) {
    if (m >= 2 * SWITCH_RATIO) {
      nthreads_m = threads;
      while (m < nthreads_m * SWITCH_RATIO) nthreads_m = Math.floor(nthreads_m / 2);
    }
    if (n >= SWITCH_RATIO * nthreads_m) {
      nthreads_n = Math.floor((n + SWITCH_RATIO * nthreads_m - 1) / (SWITCH_RATIO * nthreads_m));
      if (nthreads_m * nthreads_n > threads) nthreads_n = Math.floor(threads / nthreads_m);
    }
  }
  const step_i = (left: number, halve: (x: number) => number) =>
    left >= GEMM_P * 2 ? GEMM_P : left > GEMM_P ? Math.ceil(halve(left) / GEMM_UNROLL_M) * GEMM_UNROLL_M : left;
  if (nthreads_m * nthreads_n <= 1) {
    // level3.c: the first step in m takes n in min_jj parts, the later ones the whole n
    for (let is = 0, first = true; is < m; first = false) {
      const min_i = step_i(m - is, (x) => Math.floor(x / 2));
      if (first)
        for (let jjs = 0, min_jj = 0; jjs < n; jjs += min_jj) {
          min_jj = n - jjs;
          if (min_jj >= 3 * GEMM_UNROLL_N) min_jj = 3 * GEMM_UNROLL_N;
          else if (min_jj >= 2 * GEMM_UNROLL_N) min_jj = 2 * GEMM_UNROLL_N;
          else if (min_jj > GEMM_UNROLL_N) min_jj = GEMM_UNROLL_N;
          mark_kernel(two, m, is, jjs, min_i, min_jj);
        }
      else mark_kernel(two, m, is, 0, min_i, n);
      is += min_i;
    }
    return { two, threaded: false };
  }
  // level3_thread.c gemm_driver: nthreads_m row ranges; each of the nthreads_n column groups split again per row
  // thread (at least SWITCH_RATIO columns each)
  const range_m = [0];
  for (let left = m, part = 0; part < nthreads_m; part++) {
    const width = Math.min(left, Math.floor((left + nthreads_m - part - 1) / (nthreads_m - part)));
    range_m.push(range_m[part] + width);
    left -= width;
  }
  const range_n = [0];
  for (let j = 0, left = n; j < nthreads_n; j++) {
    let width_n = Math.floor((left + nthreads_n - j - 1) / (nthreads_n - j));
    left -= width_n;
    for (let i = 0; i < nthreads_m; i++) {
      const width = Math.min(
        width_n,
        Math.max(SWITCH_RATIO, Math.floor((width_n + nthreads_m - i - 1) / (nthreads_m - i))),
      );
      width_n -= width;
      range_n.push(range_n[range_n.length - 1] + width);
    }
  }
  for (let pos = 0; pos < nthreads_m * nthreads_n; pos++) {
    const pos_n = Math.floor(pos / nthreads_m);
    const m_from = range_m[pos - pos_n * nthreads_m];
    const m_to = range_m[pos - pos_n * nthreads_m + 1];
    const n_from = range_n[pos];
    const n_to = range_n[pos + 1];
    if (m_to <= m_from) continue;
    let min_i = step_i(m_to - m_from, (x) => Math.floor(x / 2));
    // own region of B: DIVIDE_RATE parts, each in min_jj pieces
    const div_own = Math.ceil((n_to - n_from) / DIVIDE_RATE);
    for (let js = n_from; js < n_to; js += div_own) {
      const end = Math.min(n_to, js + div_own);
      for (let jjs = js, min_jj = 0; jjs < end; jjs += min_jj) {
        min_jj = end - jjs;
        if (min_jj >= 3 * GEMM_UNROLL_N) min_jj = 3 * GEMM_UNROLL_N;
        else if (min_jj > GEMM_UNROLL_N) min_jj = GEMM_UNROLL_N;
        mark_kernel(two, m, m_from, jjs, min_i, min_jj);
      }
    }
    // the other regions of the column group: whole DIVIDE_RATE parts per kernel call
    const regions = (is: number, mi: number, skip: number) => {
      for (let cur = pos_n * nthreads_m; cur < (pos_n + 1) * nthreads_m; cur++) {
        if (cur === skip) continue;
        const div_n = Math.ceil((range_n[cur + 1] - range_n[cur]) / DIVIDE_RATE);
        for (let js = range_n[cur]; js < range_n[cur + 1]; js += div_n)
          mark_kernel(two, m, is, js, mi, Math.min(range_n[cur + 1] - js, div_n));
      }
    };
    regions(m_from, min_i, pos);
    for (let is = m_from + min_i; is < m_to; is += min_i) {
      min_i = step_i(m_to - is, (x) => Math.floor((x + 1) / 2));
      regions(is, min_i, -1);
    }
  }
  return { two, threaded: true };
}

/** y[i, j] = x[i, :]·w[j, :] + bias[j] as F.linear on PyTorch 1.13 x86: addmm fills C with the bias and calls
 * OpenBLAS sgemm_('T', 'N', n, m, k, 1, w, k, x, k, 1, C, n). Small products (m·n·k ≤ 100³) take the generic C
 * small-matrix kernel: r = Σ fl(x·w) in k order (separate multiply and add), y = fl(bias + r). Larger ones:
 * for each K step, s = an fma chain over the step (or fl(even-k chain + odd-k chain) where the kernel keeps
 * two accumulators), then C = fl(C + s) (vfmadd213ps with alpha = 1). `threads`: OpenBLAS's thread count on the
 * reference (2 for the CNN references; 1 for the ViT's, OPENBLAS_NUM_THREADS=1 with the same Haswell kernel).
 * `allow_small` false: bmm's per-item addmm, which the ViT golden shows on the Haswell kernel at any size. */
export function linear_pytorch_x86(
  m: number,
  n: number,
  k: number,
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
  bias: Float32Array | null,
  threads = REFERENCE_THREADS,
  allow_small = true,
): void {
  if (allow_small && m * n * k <= SMALL_MATRIX_MNK) {
    for (let i = 0; i < m; i++) {
      const xo = i * k;
      for (let j = 0; j < n; j++) {
        const wo = j * k;
        let r = 0;
        for (let t = 0; t < k; t++) r = f(r + f(x[xo + t] * w[wo + t]));
        y[i * n + j] = bias ? f(bias[j] + r) : r;
      }
    }
    return;
  }
  const { two, threaded } = sgemm_two_acc(n, m, k, threads);
  const steps = k_steps(k, threaded);
  for (let i = 0; i < m; i++) {
    const xo = i * k;
    for (let j = 0; j < n; j++) {
      const wo = j * k;
      const dual = two[j + i * n] === 1;
      let c = bias ? bias[j] : 0;
      let k0 = 0;
      for (const len of steps) {
        const k1 = k0 + len;
        let s = 0;
        if (dual) {
          let odd = 0;
          let t = k0;
          // KERNEL_k2: k pairs while 8 or more k remain in the step, the rest into the even accumulator
          for (const k8 = k1 - (len % 8); t < k8; t += 2) {
            s = fma_f32(x[xo + t], w[wo + t], s);
            odd = fma_f32(x[xo + t + 1], w[wo + t + 1], odd);
          }
          for (; t < k1; t++) s = fma_f32(x[xo + t], w[wo + t], s);
          s = f(s + odd);
        } else for (let t = k0; t < k1; t++) s = fma_f32(x[xo + t], w[wo + t], s);
        c = f(c + s);
        k0 = k1;
      }
      y[i * n + j] = c;
    }
  }
}
