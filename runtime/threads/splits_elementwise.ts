/**
 * How the elementwise kernels and pools split across threads (see splits.ts): element ranges in 16s (vector steps
 * cover the same elements) or plane ranges; fp32 ReLU / clamp / batch norm only while their data is cache-sized.
 */
import type { WasmExports } from '../backends/wasm/abi.js';
import { elems, type Planner, set } from './plan.js';

/**
 * A planner that splits only calls of at most `max_fp32_cached` floats (elements at argument `n_at` times
 * argument `times_at`, or argument `n_at` alone when times_at is undefined).
 */
function cached(planner: Planner, n_at: number, times_at?: number): Planner {
  return (a, T, raw, temp, copy) =>
    a[n_at] * (times_at === undefined ? 1 : a[times_at]) <= max_fp32_cached ? planner(a, T, raw, temp, copy) : null;
}

/** Floats of a memory-bound fp32 kernel's input that still split (2 MiB: one core's L2 here). */
const max_fp32_cached = 1 << 19;

/** Elementwise kernels: element ranges (align 16: vector steps cover the same elements) of pointer args. */
function elementwise(ptrs: number[], n_at: number, size: number): Planner {
  return (a, T) =>
    elems(a[n_at], T)
      ? {
          n: a[n_at],
          align: 16,
          part: (i0, i1) => {
            const b = a.slice();
            b[n_at] = i1 - i0;
            for (const p of ptrs) b[p] = a[p] + i0 * size;
            return b;
          },
        }
      : null;
}

/** Pools: ranges of planes (x plane H·W, y plane OH·OW elements of `size` bytes; y at index y_at). */
function planes(size: number, y_at: number): Planner {
  return (a, T) =>
    elems(a[1] * a[2] * a[3], T)
      ? {
          n: a[1],
          align: 1,
          part: (p0, p1) =>
            set(a, { 0: a[0] + p0 * a[2] * a[3] * size, 1: p1 - p0, [y_at]: a[y_at] + p0 * a[4] * a[5] * size }),
        }
      : null;
}

export const ELEMENTWISE_PLANNERS: Partial<Record<keyof WasmExports, Planner>> = {
  qadd_u8: elementwise([0, 1, 10], 2, 1),
  qclamp_u8: elementwise([0, 4], 1, 1),
  qlut_u8: elementwise([0, 3], 1, 1),
  qmul_u8: elementwise([0, 1, 9], 2, 1),
  // fp32 ReLU, clamp and batch norm: one load and one store a float, on data this thread has just copied into the heap
  // (and copies out next), so they split only while the data fits the cores' caches (cached(); past it a second
  // thread mostly moves cache lines between the cores: 0.6–0.75× at ResNet-18's [8, 64, 112, 112])
  relu_f32: cached(elementwise([0, 2], 1, 4), 1),
  clamp_f32: cached(elementwise([0, 4], 1, 4), 1),
  // (x, planes, plane_size, channels, scale, shift, y): one image's channels, or whole images
  batch_norm_affine_f32: cached(
    (a, T) => {
      const [np, ps, c] = [a[1], a[2], a[3]];
      if (!elems(np * ps, T)) return null;
      const one = np === c;
      return {
        n: one ? c : np,
        align: one ? 1 : c,
        part: (p0, p1) =>
          set(a, {
            0: a[0] + p0 * ps * 4,
            1: p1 - p0,
            3: one ? p1 - p0 : c,
            4: one ? a[4] + p0 * 8 : a[4],
            5: one ? a[5] + p0 * 8 : a[5],
            6: a[6] + p0 * ps * 4,
          }),
      };
    },
    1,
    2,
  ),
  qavg_pool2d_u8: planes(1, 16),
  max_pool2d_f32: planes(4, 14),
  // (x, planes, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, y, row): planes; vector steps write past a
  // plane's end, so chunks t ≥ 1 write to their own block (and row), copied into place after
  qmax_pool2d_u8: (a, T, raw, temp, copy) => {
    const base = planes(1, 14)(a, T, raw, temp, copy);
    if (!base) return null;
    const P = a[4] * a[5];
    const rb = raw.max_pool_scratch_bytes(a[3], a[5], a[7], a[9], a[11], a[13]);
    return {
      ...base,
      part: (p0, p1, t) => {
        const b = base.part(p0, p1, t);
        if (t > 0) {
          b[14] = temp(t, 0, (p1 - p0) * P + 16);
          b[15] = temp(t, 1, rb);
        }
        return b;
      },
      after: (ranges, parts) => {
        for (let t = 1; t < ranges.length; t++) copy(a[14] + ranges[t][0] * P, parts[t][14], parts[t][1] * P);
      },
    };
  },
};
