/**
 * The wasm int8 convs that widen the input per image into a work block first (int8.ts picks the path): depthwise
 * (two taps per dot lane pair, assembly/depthwise_pairs.ts), tap pairs for short reductions (pixels along the
 * lanes, assembly/qconv_pairs.ts) and im2col + the dot_i16x8 GEMM (padded NHWC plane, im2col rows, qgemm).
 * On threads a batch splits by image (each chunk of images with its own blocks, the copies overlapping the
 * chunks: pool.run's ChunkIo); one image splits inside the kernels.
 */
import type { ThreadPool } from '../../threads/pool.js';
import type { WasmExports } from './abi.js';
import { scratch_bytes } from './heap.js';
import { type DirectParams, type DirectQConv, out_args } from './int8_direct.js';
import type { WasmInstance } from './module.js';

/** qgemm's mode: per-channel params along the rows (int8.ts has the others). */
const MODE_CH_ROW = 1;

const round_up = (v: number, m: number) => Math.ceil(v / m) * m;

/** Which kernels: 'depthwise' (one input channel per group), 'pairs' (short reductions) or 'gemm'. */
export type Im2colQConvPath = 'depthwise' | 'pairs' | 'gemm';

/**
 * The conv, writing `res` (the direct path's arguments, then which kernels); the weight rows are already in the
 * path's layout (rsc for a gemm with taps).
 */
export type Im2colQConv = (...args: [...Parameters<DirectQConv>, path: Im2colQConvPath]) => void;

/** Creates the conv for one instance; `put_params` copies bias_q / mult into the call's scratch (offsets). */
export function make_im2col_qconv(inst: WasmInstance, put_params: (p: DirectParams) => [number, number]): Im2colQConv {
  const { exports: wx, heap } = inst;
  return function im2col_conv(x, g, pw, p, out, res, oh, ow, cig, cog, path): void {
    const { batch: nb, in_channels: ci, in_h: H, in_w: W, out_channels: co, kernel_h: kh, kernel_w: kw, groups } = g;
    const [sh, sw] = g.stride;
    const [ph, pwd] = g.padding;
    const [dh, dw] = g.dilation;
    const P = oh * ow;
    const x_img = ci * H * W;
    const y_img = co * P;
    const depthwise = path === 'depthwise';
    const pairs = path === 'pairs';
    const gemm = path === 'gemm';
    // padded NHWC plane of one group (+16 bytes: im2col's chunked copies read past a segment), or for
    // stride-1 pairs the padded int16 planes im2col_pairs_s1 copies runs of eight pixels from
    const Hp = H + 2 * ph;
    const Wp = W + 2 * pwd;
    const pairs_s1 = pairs && sw === 1;
    const plane = gemm ? Hp * Wp * cig * 2 + 16 : pairs_s1 ? wx.pad_planes_bytes(cig, Hp, Wp) : 0;
    const work = depthwise
      ? wx.depthwise_pairs_bytes(H, W, kh, kw, sh, sw, ph, pwd, dh, dw, oh, ow)
      : pairs
        ? wx.pairs_bytes(P, pw.k) + 32
        : round_up(P, 4) * pw.kp * 2 + 32;
    const part_bytes = gemm ? wx.qgemm_part_bytes(cog, P, pw.kp) : 0;
    // threads (runtime/threads): a batch splits by image, each chunk of images with its own work, plane
    // and GEMM part blocks (the kernels inside run whole); one image splits inside the kernels instead
    const pool = (inst as { pool?: ThreadPool }).pool;
    const chunks = pool && nb > 1 ? pool.ranges(nb, nb * co * P * pw.kp) : [];
    const KC = Math.max(1, chunks.length);
    const nx = KC > 1 ? nb : 1;
    // an image's output slot: + 16 bytes, as the depthwise kernel stores whole 16-byte rows
    const ys = y_img + 16;
    heap.begin(
      scratch_bytes(
        nx * x_img,
        nx * ys,
        p.bias_q.byteLength,
        p.mult.byteLength,
        ...new Array<number>(KC).fill(work),
        ...new Array<number>(KC).fill(plane),
        ...new Array<number>(KC).fill(part_bytes),
      ),
    );
    const xb = heap.take(nx * x_img);
    const yb = heap.take(nx * ys);
    const [bp, mp] = put_params(p);
    const wks = Array.from({ length: KC }, () => heap.take(work));
    const pads = Array.from({ length: KC }, () => heap.take(plane));
    const gemm_parts = Array.from({ length: KC }, () => heap.take(part_bytes));
    const [zp, lo, hi] = out_args(out);
    /** One image (at xi, into yi) with chunk k's blocks. */
    const image = (w: WasmExports, xi: number, yi: number, k: number) => {
      const [wk, pad, part] = [wks[k], pads[k], gemm_parts[k]];
      if (depthwise) {
        // two taps per i32x4.dot_i16x8_s lane pair (assembly/depthwise_pairs.ts)
        w.qdepthwise_pairs(
          xi,
          ci,
          H,
          W,
          co,
          kh,
          kw,
          sh,
          sw,
          ph,
          pwd,
          dh,
          dw,
          oh,
          ow,
          x.zero_point,
          pw.ptr,
          pw.kp,
          bp,
          mp,
          zp,
          lo,
          hi,
          yi,
          wk,
        );
        return;
      }
      for (let gi = 0; gi < groups; gi++) {
        const r0 = gi * cog;
        if (pairs) {
          if (pairs_s1) {
            w.pad_planes_q16(xi, H, W, gi * cig, cig, ph, pwd, Hp, Wp, x.zero_point, pad);
            w.im2col_pairs_s1(pad, cig, Hp, Wp, kh, kw, sh, dh, dw, oh, ow, wk);
          } else {
            w.im2col_pairs_q16(xi, H, W, gi * cig, cig, kh, kw, sh, sw, ph, pwd, dh, dw, oh, ow, x.zero_point, wk);
          }
          w.qconv_pairs(
            pw.ptr + r0 * pw.kp * 2,
            wk,
            cog,
            P,
            pw.k,
            pw.kp,
            yi + r0 * P,
            P,
            bp + r0 * 4,
            mp + r0 * 4,
            zp,
            lo,
            hi,
            p.exact,
          );
          continue;
        }
        w.nhwc_pad_q16(xi, H, W, gi * cig, cig, ph, pwd, Wp, x.zero_point, pad, plane, 0, Hp);
        w.im2col_rows_q16(pad, Wp, cig, kh, kw, sh, sw, dh, dw, oh, ow, wk, pw.kp, 0, P);
        w.qgemm(
          pw.ptr + r0 * pw.kp * 2,
          wk,
          cog,
          P,
          pw.kp,
          yi + r0 * P,
          P,
          MODE_CH_ROW,
          bp + r0 * 4,
          mp + r0 * 4,
          zp,
          lo,
          hi,
          part,
        );
      }
    };
    if (pool && KC > 1) {
      // each chunk's images copied in and out around it, overlapped with the other chunks
      pool.run_ranges(chunks, (w, b, k) => image(w, xb + b * x_img, yb + b * ys, k), {
        load: (b0, b1) => heap.u8.set(x.data.subarray(b0 * x_img, b1 * x_img), xb + b0 * x_img),
        store: (b0, b1) => {
          const u8 = heap.u8;
          for (let b = b0; b < b1; b++) res.set(u8.subarray(yb + b * ys, yb + b * ys + y_img), b * y_img);
        },
      });
      return;
    }
    // one image at a time in and out, so its buffers stay in cache from the copy to the kernel and back
    for (let b = 0; b < nb; b++) {
      heap.u8.set(x.data.subarray(b * x_img, (b + 1) * x_img), xb);
      image(wx, xb, yb, 0);
      res.set(heap.u8.subarray(yb, yb + y_img), b * y_img);
    }
  };
}
