/**
 * The wasm backend's fp32 conv2d. Dense and grouped convs run on shifted phase planes (assembly/sconv.ts:
 * no im2col matrix, the register tile reads the zero-padded input planes directly); depthwise convs
 * (groups = in_channels, one input channel per group) run the direct depthwise kernel.
 */
import { output_f32 } from '../../tensor/buffer_pool.js';
import type { ThreadPool } from '../../threads/pool.js';
import type { Conv2dGeometry, Fp32Kernels } from '../types.js';
import type { WasmExports } from './abi.js';
import { conv_output_hw } from './conv_geometry.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/**
 * Longest reduction (cin/groups·kh·kw) run on shifted planes. Past it (the widest layers, 256+ channels)
 * the aligned loads of sgemm_packed's im2col panels win over the planes' unaligned ones (measured on
 * ResNet-18 shapes: shifted 1.3× faster at K = 1152, 0.94× at 2304, 0.78× at 4608 on 7² maps).
 */
const SHIFTED_MAX_K = 2048;

/** How a dense or grouped (not depthwise) conv runs: 'auto' picks by reduction length (SHIFTED_MAX_K). */
export type WasmConvStrategy = 'auto' | 'shifted' | 'im2col';

/**
 * Creates the fp32 conv2d bound to one instance; `strategy` pins the dense path (benchmarks and tests); `relu`:
 * conv2d_relu, relu_f32 (bit-identical to F.relu) run on each image's output in wasm memory, inside its chunk.
 */
export function make_wasm_conv2d(
  inst: WasmInstance,
  strategy: WasmConvStrategy = 'auto',
  relu = false,
): Fp32Kernels['conv2d'] {
  const { exports: wx, heap } = inst;

  function put(a: Float32Array, off: number): void {
    heap.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
  }

  /** im2col straight into sgemm's packed-B panels, per image and group, then the packed GEMM (batches split by
   * image on threads). */
  function im2col_conv(
    x: Float32Array,
    g: Conv2dGeometry,
    w: Float32Array,
    bias: Float32Array | null,
    res: Float32Array,
    oh: number,
    ow: number,
    cig: number,
    cog: number,
  ): Float32Array {
    const { batch: nb, in_channels: ci, in_h: H, in_w: W, out_channels: co, kernel_h: kh, kernel_w: kw, groups } = g;
    const [sh, sw] = g.stride;
    const [ph, pw] = g.padding;
    const [dh, dw] = g.dilation;
    const K = cig * kh * kw;
    const P = oh * ow;
    const work = Math.ceil(P / 8) * K * 32;
    // threads (runtime/threads): a batch splits by image, each chunk of images with its own panels (the
    // kernels inside run whole); one image splits inside im2col_f32_packed and sgemm_packed instead
    const pool = (inst as { pool?: ThreadPool }).pool;
    const chunks = pool && nb > 1 ? pool.ranges(nb, nb * co * P * K) : [];
    const KC = Math.max(1, chunks.length);
    heap.begin(scratch_bytes(x.byteLength, res.byteLength, w.byteLength, ...new Array<number>(KC).fill(work)));
    const xp = heap.take(x.byteLength);
    const yp = heap.take(res.byteLength);
    const wp = heap.take(w.byteLength);
    const wks = Array.from({ length: KC }, () => heap.take(work));
    put(w, wp);
    const yv = new Float32Array(heap.memory.buffer, yp, nb * co * P);
    const x_img = ci * H * W;
    /** Images [b0, b1) in: x copied, C pre-filled with the bias (a GEMM row per output channel, accumulated). */
    const load = (b0: number, b1: number) => {
      put(x.subarray(b0 * x_img, b1 * x_img), xp + b0 * x_img * 4);
      for (let b = b0; b < b1; b++)
        for (let oc = 0; oc < co; oc++) yv.fill(bias ? bias[oc] : 0, (b * co + oc) * P, (b * co + oc + 1) * P);
    };
    const image = (wm: WasmExports, b: number, k: number) => {
      const xb = xp + b * ci * H * W * 4;
      const yb = yp + b * co * P * 4;
      for (let gi = 0; gi < groups; gi++) {
        wm.im2col_f32_packed(xb, H, W, gi * cig, cig, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, wks[k], 0, P);
        const r0 = gi * cog;
        wm.sgemm_packed(cog, P, K, wp + r0 * K * 4, K, wks[k], yb + r0 * P * 4, P, 0, 1);
      }
      if (relu) wm.relu_f32(yb, co * P, yb);
    };
    if (pool && KC > 1) {
      // each chunk's images copied in and out around it, overlapped with the other chunks
      pool.run_ranges(chunks, image, {
        load,
        store: (b0, b1) => res.set(yv.subarray(b0 * co * P, b1 * co * P), b0 * co * P),
      });
      return res;
    }
    load(0, nb);
    for (let b = 0; b < nb; b++) image(wx, b, 0);
    res.set(yv);
    return res;
  }

  return function conv2d(
    x: Float32Array,
    g: Conv2dGeometry,
    w: Float32Array,
    bias: Float32Array | null,
    y?: Float32Array,
  ): Float32Array {
    const { batch: nb, in_channels: ci, in_h: H, in_w: W, out_channels: co, kernel_h: kh, kernel_w: kw, groups } = g;
    const { oh, ow, cig, cog } = conv_output_hw(g, 'wasm.conv2d');
    const K = cig * kh * kw;
    const P = oh * ow;
    if (x.length !== nb * ci * H * W)
      throw new Error(
        `wasm.conv2d: x has ${x.length} elements, expected [${nb}, ${ci}, ${H}, ${W}] = ${nb * ci * H * W}`,
      );
    if (w.length !== co * K)
      throw new Error(
        `wasm.conv2d: weight has ${w.length} elements, expected [${co}, ${cig}, ${kh}, ${kw}] = ${co * K}`,
      );
    if (bias && bias.length !== co)
      throw new Error(`wasm.conv2d: bias has ${bias.length} elements, expected out_channels = ${co}`);
    const res = y ?? output_f32(nb * co * P);
    if (res.length !== nb * co * P)
      throw new Error(`wasm.conv2d: output buffer has ${res.length} elements, expected ${nb * co * P}`);
    if (nb === 0 || P === 0) return res;
    const [sh, sw] = g.stride;
    const [ph, pw] = g.padding;
    const [dh, dw] = g.dilation;
    if (cig === 1 && groups === ci && ci > 1) {
      const work = wx.depthwise_scratch_bytes(H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
      // threads: a batch splits by image (own work block per chunk, copies overlapping the chunks); one image
      // splits by channel inside depthwise_f32
      const pool = (inst as { pool?: ThreadPool }).pool;
      const chunks = pool && nb > 1 ? pool.ranges(nb, nb * co * P * kh * kw) : [];
      const KC = Math.max(1, chunks.length);
      heap.begin(
        scratch_bytes(
          x.byteLength,
          res.byteLength,
          w.byteLength,
          bias ? co * 4 : 0,
          ...new Array<number>(KC).fill(work),
        ),
      );
      const xp = heap.take(x.byteLength);
      const yp = heap.take(res.byteLength);
      const wp = heap.take(w.byteLength);
      const bp = bias ? heap.take(co * 4) : 0;
      const wks = Array.from({ length: KC }, () => heap.take(work));
      put(w, wp);
      if (bias) put(bias, bp);
      const x_img = ci * H * W;
      const y_img = co * P;
      const image = (wm: WasmExports, b: number, k: number) => {
        const yb = yp + b * y_img * 4;
        wm.depthwise_f32(xp + b * x_img * 4, ci, H, W, co, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, wp, bp, yb, wks[k]);
        if (relu) wm.relu_f32(yb, y_img, yb);
      };
      if (pool && KC > 1) {
        pool.run_ranges(chunks, image, {
          load: (b0, b1) => put(x.subarray(b0 * x_img, b1 * x_img), xp + b0 * x_img * 4),
          store: (b0, b1) =>
            res.set(new Float32Array(heap.memory.buffer, yp + b0 * y_img * 4, (b1 - b0) * y_img), b0 * y_img),
        });
        return res;
      }
      put(x, xp);
      for (let b = 0; b < nb; b++) image(wx, b, 0);
      res.set(new Float32Array(heap.memory.buffer, yp, nb * co * P));
      return res;
    }
    if (strategy === 'im2col' || (strategy === 'auto' && K > SHIFTED_MAX_K))
      return im2col_conv(x, g, w, bias, res, oh, ow, cig, cog);
    // shifted planes: output pixel p = oh·Wq + ow of a padded grid Wq wide (extra columns dropped at the store)
    const Hq = Math.ceil((H + 2 * ph) / sh);
    // stride-1 rows share their padding columns (row i's right padding is row i+1's left padding), which
    // cuts the dropped columns per row from 2·pw to pw: 1 of 15 instead of 2 of 16 at 14², 1 of 8 at 7²
    const Wq = sw === 1 && ow <= W + pw ? W + pw : Math.ceil((W + 2 * pw) / sw);
    const N = oh * Wq;
    const cog4 = Math.ceil(cog / 4) * 4;
    // partial sums between K blocks (only touched when K > assembly/sconv.ts KC_MAX; else tiles go straight to y)
    const npad = Math.ceil(N / 8) * 8;
    const partial_bytes = npad * cog4 * 4;
    // planes per channel: only the stride phases some tap reads (1 of 4 for a 1×1 stride-2 conv)
    const phases = wx.conv_phases(kh, dh, sh) * wx.conv_phases(kw, dw, sw);
    const plane_floats = wx.conv_planes_floats(ci, phases, 1, Hq, Wq, N);
    // a phase plane is Hq rows and one zero row of Wq (assembly/sconv.ts plane_floats)
    const plane = (Hq + 1) * Wq;
    const slack = plane_floats - ci * phases * plane;
    const group_bytes = cig * phases * plane * 4;
    const x_img = ci * H * W;
    const y_img = co * P;
    // threads (runtime/threads): a batch splits by image, each chunk of images with its own planes and
    // partial sums (the kernels inside run whole); one image splits by channel inside conv_shifted_f32
    const pool = (inst as { pool?: ThreadPool }).pool;
    const parts = pool && nb > 1 ? pool.ranges(nb, nb * co * P * K) : [];
    const KC = Math.max(1, parts.length);
    const nx = KC > 1 ? nb : 1;
    heap.begin(
      scratch_bytes(
        nx * x_img * 4,
        nx * y_img * 4,
        w.byteLength,
        groups * cog4 * K * 4,
        bias ? groups * cog4 * 4 : 0,
        K * 4,
        npad * 4,
        ...new Array<number>(KC).fill(plane_floats * 4),
        ...new Array<number>(KC).fill(partial_bytes),
      ),
    );
    const xp = heap.take(nx * x_img * 4);
    const yp = heap.take(nx * y_img * 4);
    const wraw = heap.take(w.byteLength);
    const wpk = heap.take(groups * cog4 * K * 4);
    const bp = bias ? heap.take(groups * cog4 * 4) : 0;
    const offs = heap.take(K * 4);
    const map = heap.take(npad * 4);
    const planes = Array.from({ length: KC }, () => heap.take(plane_floats * 4));
    const partials = Array.from({ length: KC }, () => heap.take(partial_bytes));
    put(w, wraw);
    for (let gi = 0; gi < groups; gi++) wx.pack_conv_w(wraw + gi * cog * K * 4, cog, K, wpk + gi * cog4 * K * 4);
    if (bias) {
      // per group, cog4 floats: the tile's padding rows read zeros
      const bv = new Float32Array(heap.memory.buffer, bp, groups * cog4);
      bv.fill(0);
      for (let gi = 0; gi < groups; gi++) bv.set(bias.subarray(gi * cog, (gi + 1) * cog), gi * cog4);
    }
    wx.conv_offsets(cig, kh, kw, sh, sw, dh, dw, Hq, Wq, offs);
    wx.conv_out_map(oh, ow, Wq, map);
    /** One image (at xi, into yi) with chunk k's planes and partial sums. */
    const image = (wm: WasmExports, xi: number, yi: number, k: number) => {
      wm.conv_planes_f32(xi, ci, H, W, ph, pw, sh, sw, Hq, Wq, planes[k], slack, kh, kw, dh, dw, 0, ci);
      for (let gi = 0; gi < groups; gi++) {
        const gb = bias ? bp + gi * cog4 * 4 : 0;
        const yg = yi + gi * cog * P * 4;
        const wg = wpk + gi * cog4 * K * 4;
        wm.conv_shifted_f32(cog, K, wg, planes[k] + gi * group_bytes, offs, gb, partials[k], npad, yg, P, N, map);
      }
      if (relu) wm.relu_f32(yi, y_img, yi);
    };
    if (pool && KC > 1) {
      // each chunk's images copied in and out around it, overlapped with the other chunks
      pool.run_ranges(parts, (wm, b, k) => image(wm, xp + b * x_img * 4, yp + b * y_img * 4, k), {
        load: (b0, b1) => put(x.subarray(b0 * x_img, b1 * x_img), xp + b0 * x_img * 4),
        store: (b0, b1) =>
          res.set(new Float32Array(heap.memory.buffer, yp + b0 * y_img * 4, (b1 - b0) * y_img), b0 * y_img),
      });
      return res;
    }
    const yv = new Float32Array(heap.memory.buffer, yp, y_img);
    // one image at a time in and out, so its buffers stay in cache from the copy to the kernel and back
    for (let b = 0; b < nb; b++) {
      put(x.subarray(b * x_img, (b + 1) * x_img), xp);
      image(wx, xp, yp, 0);
      res.set(yv, b * y_img);
    }
    return res;
  };
}
