/**
 * How each heavy kernel export splits across threads: a contiguous range of output channels, rows, columns,
 * images, planes or elements per thread, never the reduction, so every output element is computed by the
 * same instructions in the same order as on one thread (bit-identical). pool.ts `attach` replaces those
 * exports on a WasmInstance's exports object by splitting versions, so the kernel wrappers
 * (runtime/backends/wasm/*.ts) run threaded unchanged. Pointers are byte offsets into the shared memory.
 */
import type { WasmExports } from '../backends/wasm/abi.js';
import { elems, macs, type Planner, r4, set } from './plan.js';
import { ELEMENTWISE_PLANNERS } from './splits_elementwise.js';

export { min_parallel_work, type Plan, type Planner, type Temp } from './plan.js';

export const PLANNERS: Partial<Record<keyof WasmExports, Planner>> = {
  // (CO, NP, wp, x, offs, bias, mult, zp, lo, hi, y, P, N, map, exact, stage, Wq, OW): channels in 4s
  qconv_direct: (a) =>
    macs(a[0] * a[12] * a[1] * 2)
      ? {
          n: a[0],
          align: 4,
          part: (c0, c1) =>
            set(a, {
              0: c1 - c0,
              2: a[2] + (c0 / 4) * a[1] * 16,
              5: a[5] + c0 * 4,
              6: a[6] + c0 * 4,
              10: a[10] + c0 * a[11],
              15: a[15] ? a[15] + c0 * ((a[12] + 7) & ~7) : 0,
            }),
        }
      : null,
  // (a, b, M, N, kp, y, ldy, mode, bias, mult, zp, lo, hi, part): mode 1 (per-row params) splits rows in
  // pairs (the tile), modes 0 / 2 columns in 4s when there are enough, else rows
  qgemm: (a, T) => {
    const [M, N, kp, mode] = [a[2], a[3], a[4], a[7]];
    if (!macs(M * N * kp)) return null;
    const es = mode === 2 ? 4 : 1;
    if (mode !== 1 && N >= 8 * T)
      return {
        n: N,
        align: 4,
        part: (j0, j1) =>
          set(a, {
            1: a[1] + j0 * kp * 2,
            3: j1 - j0,
            5: a[5] + j0 * es,
            8: mode === 0 ? a[8] + j0 * 4 : a[8],
            9: mode === 0 ? a[9] + j0 * 4 : a[9],
            13: a[13] + M * j0 * 4,
          }),
      };
    return {
      n: M,
      align: 2,
      part: (i0, i1) =>
        set(a, {
          0: a[0] + i0 * kp * 2,
          2: i1 - i0,
          5: a[5] + i0 * a[6] * es,
          8: mode === 1 ? a[8] + i0 * 4 : a[8],
          9: mode === 1 ? a[9] + i0 * 4 : a[9],
          13: a[13] + i0 * r4(N) * 4,
        }),
    };
  },
  // (w, col, M, P, k, kp, y, ldy, bias, mult, zp, lo, hi, exact): channels in pairs (the tile)
  qconv_pairs: (a) =>
    macs(a[2] * a[3] * a[4])
      ? {
          n: a[2],
          align: 2,
          part: (c0, c1) =>
            set(a, { 0: a[0] + c0 * a[5] * 2, 2: c1 - c0, 6: a[6] + c0 * a[7], 8: a[8] + c0 * 4, 9: a[9] + c0 * 4 }),
        }
      : null,
  // (x, C, H, W, OC, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, xzp, w, kp, bias, mult, zp, lo, hi, y, scratch):
  // input channels; the kernel stores whole 16-byte rows past a channel's end, so chunks t ≥ 1 write to
  // their own block (and scratch), copied into place after
  qdepthwise_pairs: (a, _T, raw, temp, copy) => {
    const [C, OC, OH, OW] = [a[1], a[4], a[13], a[14]];
    if (!macs(OC * OH * OW * a[5] * a[6])) return null;
    const per = OC / C;
    const P = OH * OW;
    const sb = raw.depthwise_pairs_bytes(a[2], a[3], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], OH, OW);
    return {
      n: C,
      align: 1,
      part: (c0, c1, t) =>
        set(a, {
          0: a[0] + c0 * a[2] * a[3],
          1: c1 - c0,
          4: (c1 - c0) * per,
          16: a[16] + c0 * per * a[17] * 2,
          18: a[18] + c0 * per * 4,
          19: a[19] + c0 * per * 4,
          23: t === 0 ? a[23] + c0 * per * P : temp(t, 0, (c1 - c0) * per * P + 16),
          24: t === 0 ? a[24] : temp(t, 1, sb),
        }),
      after: (ranges, parts) => {
        for (let t = 1; t < ranges.length; t++) copy(a[23] + ranges[t][0] * per * P, parts[t][23], parts[t][4] * P);
      },
    };
  },
  // the per-image input transforms in front of the int8 conv kernels, by the ranges they take:
  // (x, c0, cg, H, W, ph, pw, sh, sw, Hq, Wq, kh, kw, dh, dw, zp, out, slack, cp0, cp1): channel pairs
  // (x, C, H, W, ph, pw, sh, sw, Hq, Wq, out, slack, kh, kw, dh, dw, c0, c1): the fp32 planes by channel
  conv_planes_f32: (a, T) =>
    elems((a[17] - a[16]) * a[8] * a[9], T)
      ? { n: a[17] - a[16], align: 1, part: (q0, q1) => set(a, { 16: a[16] + q0, 17: a[16] + q1 }) }
      : null,
  qdirect_planes: (a, T) =>
    elems((a[19] - a[18]) * 2 * a[9] * a[10], T)
      ? { n: a[19] - a[18], align: 1, part: (q0, q1) => set(a, { 18: a[18] + q0, 19: a[18] + q1 }) }
      : null,
  // (x, H, W, c0, cg, ph, pw, Wp, zp, out, bytes, r0, r1): padded rows
  nhwc_pad_q16: (a, T) =>
    elems((a[12] - a[11]) * a[7] * a[4], T)
      ? { n: a[12] - a[11], align: 1, part: (q0, q1) => set(a, { 11: a[11] + q0, 12: a[11] + q1 }) }
      : null,
  // (pad, Wp, cg, kh, kw, sh, sw, dh, dw, OH, OW, out, kp, p0, p1): rows of pixels
  im2col_rows_q16: (a, T) =>
    elems((a[14] - a[13]) * a[12], T)
      ? { n: a[14] - a[13], align: 1, part: (q0, q1) => set(a, { 13: a[13] + q0, 14: a[13] + q1 }) }
      : null,
  // (CO, K, wp, x, offs, bias, c, ldc, y, P, N, map): channels in 4s (the tile height)
  conv_shifted_f32: (a) =>
    macs(a[0] * a[10] * a[1])
      ? {
          n: a[0],
          align: 4,
          part: (c0, c1) =>
            set(a, {
              0: c1 - c0,
              2: a[2] + c0 * a[1] * 4,
              5: a[5] ? a[5] + c0 * 4 : 0,
              6: a[6] + c0 * a[7] * 4,
              8: a[8] + c0 * a[9] * 4,
            }),
        }
      : null,
  // (M, N, K, a, lda, bp, c, ldc, bias, acc): rows in 4s, or column panels of 8
  sgemm_packed: (a, T) => {
    const [M, N, K] = a;
    if (!macs(M * N * K)) return null;
    if (M >= 8 * T)
      return {
        n: M,
        align: 4,
        part: (i0, i1) => set(a, { 0: i1 - i0, 3: a[3] + i0 * a[4] * 4, 6: a[6] + i0 * a[7] * 4 }),
      };
    return {
      n: N,
      align: 8,
      part: (j0, j1) => set(a, { 1: j1 - j0, 5: a[5] + j0 * K * 4, 6: a[6] + j0 * 4, 8: a[8] ? a[8] + j0 * 4 : 0 }),
    };
  },
  // (x, H, W, c0, cg, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, out, p0, p1): pixels in 8s (a panel each)
  im2col_f32_packed: (a, T) => {
    const [p0, p1] = [a[16], a[17]];
    if (!elems((p1 - p0) * a[4] * a[5] * a[6], T)) return null;
    return { n: p1 - p0, align: 8, part: (q0, q1) => set(a, { 16: p0 + q0, 17: p0 + q1 }) };
  },
  // (M, N, K, a, lda, b, c, ldc, bias, acc), B as [N][K]: columns in 4s (the tail stays scalar, last)
  sgemv_t: (a) =>
    macs(a[0] * a[1] * a[2])
      ? {
          n: a[1],
          align: 4,
          part: (j0, j1) =>
            set(a, { 1: j1 - j0, 5: a[5] + j0 * a[2] * 4, 6: a[6] + j0 * 4, 8: a[8] ? a[8] + j0 * 4 : 0 }),
        }
      : null,
  // (x, C, H, W, OC, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, w, bias, y, scratch): input channels, own scratch
  depthwise_f32: (a, _T, raw, temp) => {
    const [C, OC, OH, OW] = [a[1], a[4], a[13], a[14]];
    if (!macs(OC * OH * OW * a[5] * a[6])) return null;
    const per = OC / C;
    const sb = raw.depthwise_scratch_bytes(a[2], a[3], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], OH, OW);
    return {
      n: C,
      align: 1,
      part: (c0, c1, t) =>
        set(a, {
          0: a[0] + c0 * a[2] * a[3] * 4,
          1: c1 - c0,
          4: (c1 - c0) * per,
          15: a[15] + c0 * per * a[5] * a[6] * 4,
          16: a[16] ? a[16] + c0 * per * 4 : 0,
          17: a[17] + c0 * per * OH * OW * 4,
          18: t === 0 ? a[18] : temp(t, 0, sb),
        }),
    };
  },
  // (a, b, batch, M, K, N, az, bz, kp, a16, b16, bias, mult, zp, lo, hi, part, y): matrices of the batch,
  // each thread widening into its own blocks
  qmatmul_u8: (a, _T, raw, temp) => {
    const [batch, M, K, N, kp] = [a[2], a[3], a[4], a[5], a[8]];
    if (!macs(batch * M * N * kp)) return null;
    const pb = raw.qgemm_part_bytes(M, N, kp);
    return {
      n: batch,
      align: 1,
      part: (s0, s1, t) =>
        set(a, {
          0: a[0] + s0 * M * K,
          1: a[1] + s0 * K * N,
          2: s1 - s0,
          9: t === 0 ? a[9] : temp(t, 0, M * kp * 2),
          10: t === 0 ? a[10] : temp(t, 1, r4(N) * kp * 2),
          16: t === 0 ? a[16] : temp(t, 2, pb),
          17: a[17] + s0 * M * N,
        }),
    };
  },
  // (x, ci, H, W, co, kh, kw, groups, sh, sw, ph, pw, dh, dw, OH, OW, w, bias, bias_last, y, acc, u0, u1):
  // the PyTorch-rounding calibration conv, by (image, output channel) units, each thread its own row of sums
  conv2d_pytorch_x86_f32: (a, _T, _raw, temp) => {
    const units = a[22] - a[21];
    if (!macs(units * a[14] * a[15] * (a[1] / a[7]) * a[5] * a[6])) return null;
    return {
      n: units,
      align: 1,
      part: (j0, j1, t) => set(a, { 20: t === 0 ? a[20] : temp(t, 0, a[15] * 8), 21: a[21] + j0, 22: a[21] + j1 }),
    };
  },
  ...ELEMENTWISE_PLANNERS,
};
