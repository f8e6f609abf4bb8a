/**
 * The wasm int8 dense conv without im2col (assembly/qconv_direct.ts): per image and group the input is
 * widened once into zero-padded planes of int16 channel pairs, and the kernel reads each tap's pixels in
 * place; the weights get a pair-interleaved copy on first use, cached on the packed weight per geometry.
 * Geometry as the fp32 shifted-planes conv (fp32_conv.ts): a grid Wq wide, stride-1 rows sharing their
 * padding columns; when the grid has columns past OW the kernel writes grid-shaped rows into a stage and
 * copies the OW valid pixels of each row out (cheaper than scattering its stores through the map).
 */
import type { ThreadPool } from '../../threads/pool.js';
import type { Conv2dGeometry, QInput, QOutput } from '../types.js';
import type { WasmExports } from './abi.js';
import { scratch_bytes } from './heap.js';
import type { WasmPackedQWeight } from './int8.js';
import type { WasmInstance } from './module.js';

/** The direct path's copy of a weight: [ceil(cog/4)][pairs][4] int32 pairs per group, for one geometry. */
export interface DirectWeight {
  key: string;
  ptr: number;
  bytes: number;
  /** Unregisters the copy's finalizer when it is replaced. */
  token: object;
}

/** Per-channel requantization params of one call (int8.ts ChannelParams). */
export interface DirectParams {
  bias_q: Int32Array;
  mult: Float32Array;
  /** 1: no accumulator can requantize past |v| ≤ 2^22 (assembly/requant.ts requant_x16 `exact`). */
  exact: number;
}

/** The requantizing kernels' output arguments: zero point, and the clamp bounds relative to it. */
export function out_args(out: QOutput): [zp: number, lo: number, hi: number] {
  return [out.zero_point, out.qmin - out.zero_point, out.qmax - out.zero_point];
}

/** A direct qconv2d runner bound to one instance; `registry` frees the weight copies with their weights. */
export type DirectQConv = (
  x: QInput,
  g: Conv2dGeometry,
  pw: WasmPackedQWeight,
  p: DirectParams,
  out: QOutput,
  res: Uint8Array,
  oh: number,
  ow: number,
  cig: number,
  cog: number,
) => void;

/** Creates the direct conv for one instance. */
export function make_direct_qconv(
  inst: WasmInstance,
  registry: FinalizationRegistry<{ ptr: number; bytes: number }>,
): DirectQConv {
  const { exports: wx, heap } = inst;

  /** Replaces a weight's direct copy: frees the old one (if any), registers the new one. */
  function keep_copy(pw: WasmPackedQWeight, key: string, ptr: number, bytes: number): void {
    if (pw.direct) {
      registry.unregister(pw.direct.token);
      heap.free(pw.direct.ptr, pw.direct.bytes);
    }
    const token = {};
    registry.register(pw, { ptr, bytes }, token);
    pw.direct = { key, ptr, bytes, token };
  }

  /** The weight copy for this geometry (cig channels, kh×kw taps, groups), packed on first use. */
  function direct_weight(pw: WasmPackedQWeight, cig: number, kh: number, kw: number, groups: number): number {
    const taps = kh * kw;
    const key = `${cig}:${kh}x${kw}:${groups}`;
    if (pw.direct?.key === key) return pw.direct.ptr;
    // rows in k order (c, r, s), or (r, s, c) after the GEMM path permuted them for this kernel size
    const rsc = pw.layout === `rsc:${kh}x${kw}` ? 1 : 0;
    if (!rsc && pw.layout !== 'c') throw new Error(`wasm.qconv2d: weight rows in layout ${pw.layout}, not ${kh}×${kw}`);
    const cog = pw.n / groups;
    const per_group = wx.qdirect_w_bytes(cog, cig, taps);
    const bytes = groups * per_group;
    const ptr = heap.alloc(bytes);
    for (let gi = 0; gi < groups; gi++)
      wx.qdirect_pack_w(pw.ptr + gi * cog * pw.kp * 2, cog, pw.kp, cig, taps, rsc, ptr + gi * per_group);
    keep_copy(pw, key, ptr, bytes);
    return ptr;
  }

  return function direct_conv(x, g, pw, p, out, res, oh, ow, cig, cog): void {
    const { batch: nb, in_channels: ci, in_h: H, in_w: W, out_channels: co, kernel_h: kh, kernel_w: kw, groups } = g;
    const [sh, sw] = g.stride;
    const [ph, pwd] = g.padding;
    const [dh, dw] = g.dilation;
    const P = oh * ow;
    const Hq = Math.ceil((H + 2 * ph) / sh);
    const Wq = sw === 1 && ow <= W + pwd ? W + pwd : Math.ceil((W + 2 * pwd) / sw);
    const N = oh * Wq;
    const npad = Math.ceil(N / 8) * 8;
    const npairs = Math.ceil(cig / 2);
    const NP = npairs * kh * kw;
    const phases = wx.conv_phases(kh, dh, sh) * wx.conv_phases(kw, dw, sw);
    const plane_elems = wx.conv_planes_floats(npairs, phases, 1, Hq, Wq, N);
    const slack = plane_elems - npairs * phases * (Hq + 1) * Wq;
    const wd = direct_weight(pw, cig, kh, kw, groups);
    const wg = wx.qdirect_w_bytes(cog, cig, kh * kw);
    const x_img = ci * H * W;
    const y_img = co * P;
    const { bias_q, mult } = p;
    // grid columns past OW exist: tiles store whole runs into a grid-shaped stage, rows copied out after
    const stage_bytes = Wq !== ow ? cog * npad : 0;
    // threads (runtime/threads): a batch splits by image, each chunk of images with its own planes and
    // stage (the kernels inside run whole); one image splits by channel inside qconv_direct
    const pool = (inst as { pool?: ThreadPool }).pool;
    const parts = pool && nb > 1 ? pool.ranges(nb, nb * co * P * NP * 2) : [];
    const K = Math.max(1, parts.length);
    const nx = K > 1 ? nb : 1;
    heap.begin(
      scratch_bytes(
        nx * x_img + 16,
        nx * y_img,
        bias_q.byteLength,
        mult.byteLength,
        NP * 4,
        npad * 4,
        ...new Array<number>(K).fill(plane_elems * 4),
        ...new Array<number>(K).fill(stage_bytes),
      ),
    );
    // + 16: the plane builder reads rows 8 or 16 bytes at a time, up to 16 bytes past the image
    const xp = heap.take(nx * x_img + 16);
    const yp = heap.take(nx * y_img);
    const bp = heap.take(bias_q.byteLength);
    const mp = heap.take(mult.byteLength);
    const offs = heap.take(NP * 4);
    const map = heap.take(npad * 4);
    const planes = Array.from({ length: K }, () => heap.take(plane_elems * 4));
    const stages = Array.from({ length: K }, () => (stage_bytes ? heap.take(stage_bytes) : 0));
    heap.u8.set(new Uint8Array(bias_q.buffer, bias_q.byteOffset, bias_q.byteLength), bp);
    heap.u8.set(new Uint8Array(mult.buffer, mult.byteOffset, mult.byteLength), mp);
    wx.conv_offsets(npairs, kh, kw, sh, sw, dh, dw, Hq, Wq, offs);
    wx.conv_out_map(oh, ow, Wq, map);
    const [zp, lo, hi] = out_args(out);
    /** One image (at xi, into yi) with chunk k's planes and stage. */
    const image = (w: WasmExports, xi: number, yi: number, k: number) => {
      for (let gi = 0; gi < groups; gi++) {
        const r0 = gi * cog;
        const c0 = gi * cig;
        w.qdirect_planes(xi, c0, cig, H, W, ph, pwd, sh, sw, Hq, Wq, kh, kw, dh, dw, x.zero_point, planes[k], slack, 0, npairs);
        const [wgi, bgi, mgi, ygi] = [wd + gi * wg, bp + r0 * 4, mp + r0 * 4, yi + r0 * P];
        w.qconv_direct(cog, NP, wgi, planes[k], offs, bgi, mgi, zp, lo, hi, ygi, P, N, map, p.exact, stages[k], Wq, ow);
      }
    };
    if (pool && K > 1) {
      // each chunk's images copied in and out around it, overlapped with the other chunks
      pool.run_ranges(parts, (w, b, k) => image(w, xp + b * x_img, yp + b * y_img, k), {
        load: (b0, b1) => heap.u8.set(x.data.subarray(b0 * x_img, b1 * x_img), xp + b0 * x_img),
        store: (b0, b1) => res.set(heap.u8.subarray(yp + b0 * y_img, yp + b1 * y_img), b0 * y_img),
      });
      return;
    }
    // one image at a time in and out, so its buffers stay in cache from the copy to the kernel and back
    for (let b = 0; b < nb; b++) {
      heap.u8.set(x.data.subarray(b * x_img, (b + 1) * x_img), xp);
      image(wx, xp, yp, 0);
      res.set(heap.u8.subarray(yp, yp + y_img), b * y_img);
    }
  };
}
