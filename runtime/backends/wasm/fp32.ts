/**
 * The wasm backend's Fp32Kernels: f32x4 register-tiled sgemm on packed B panels (assembly/sgemm.ts) and
 * conv2d as im2col (written directly in the packed-panel layout) + sgemm, with a direct depthwise path.
 * Operands are copied into reused scratch in wasm memory per call; results are copied back.
 */
import type { Conv2dGeometry, Fp32Kernels } from '../types.js';
import { conv_output_hw } from './conv_geometry.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** Below this many rows of A, sgemm reads B in place (sgemv_*) instead of packing it. */
const GEMV_ROWS = 4;

/** Creates the fp32 kernels bound to one instance. */
export function make_wasm_fp32(inst: WasmInstance): Fp32Kernels {
  const { exports: wx, heap } = inst;

  function put(a: Float32Array, off: number): void {
    heap.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
  }

  function sgemm(
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    options: { trans_a?: boolean; trans_b?: boolean; bias?: Float32Array | null; accumulate?: boolean } = {},
  ): void {
    const { trans_a = false, trans_b = false, bias = null, accumulate = false } = options;
    for (const [name, v] of Object.entries({ m, n, k })) {
      if (!Number.isInteger(v) || v < 0)
        throw new Error(`wasm.sgemm: ${name} must be a non-negative integer, got ${v}`);
    }
    if (a.length < m * k)
      throw new Error(`wasm.sgemm: A has ${a.length} elements, needs ${trans_a ? 'k·m' : 'm·k'} = ${m * k}`);
    if (b.length < k * n)
      throw new Error(`wasm.sgemm: B has ${b.length} elements, needs ${trans_b ? 'n·k' : 'k·n'} = ${k * n}`);
    if (c.length < m * n) throw new Error(`wasm.sgemm: C has ${c.length} elements, needs m·n = ${m * n}`);
    if (bias && bias.length < n) throw new Error(`wasm.sgemm: bias has ${bias.length} elements, needs n = ${n}`);
    if (m === 0 || n === 0) return;
    // few rows: packing B would cost as much as the product, so read it in place
    const gemv = m < GEMV_ROWS;
    const panels = gemv ? 0 : Math.ceil(n / 8) * k * 32;
    heap.begin(scratch_bytes(m * k * 4, trans_a ? m * k * 4 : 0, k * n * 4, panels, m * n * 4, bias ? n * 4 : 0));
    const ap = heap.take(m * k * 4);
    const at = trans_a ? heap.take(m * k * 4) : ap;
    const braw = heap.take(k * n * 4);
    const bp = heap.take(panels);
    const cp = heap.take(m * n * 4);
    const biasp = bias ? heap.take(n * 4) : 0;
    put(a.subarray(0, m * k), ap);
    put(b.subarray(0, k * n), braw);
    if (accumulate) put(c.subarray(0, m * n), cp);
    if (bias) put(bias.subarray(0, n), biasp);
    if (trans_a) wx.transpose_f32(ap, k, m, at);
    if (gemv) {
      (trans_b ? wx.sgemv_t : wx.sgemv_n)(m, n, k, at, k, braw, cp, n, biasp, accumulate ? 1 : 0);
    } else {
      wx.pack_b_f32(braw, k, n, trans_b ? 1 : 0, bp);
      wx.sgemm_packed(m, n, k, at, k, bp, cp, n, biasp, accumulate ? 1 : 0);
    }
    c.set(new Float32Array(heap.memory.buffer, cp, m * n));
  }

  function conv2d(
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
    const res = y ?? new Float32Array(nb * co * P);
    if (res.length !== nb * co * P)
      throw new Error(`wasm.conv2d: output buffer has ${res.length} elements, expected ${nb * co * P}`);
    if (nb === 0) return res;
    const [sh, sw] = g.stride;
    const [ph, pw] = g.padding;
    const [dh, dw] = g.dilation;
    const depthwise = cig === 1 && groups === ci;
    const work = depthwise
      ? wx.depthwise_scratch_bytes(H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
      : Math.ceil(P / 8) * K * 32;
    heap.begin(scratch_bytes(x.byteLength, res.byteLength, w.byteLength, bias ? co * 4 : 0, work));
    const xp = heap.take(x.byteLength);
    const yp = heap.take(res.byteLength);
    const wp = heap.take(w.byteLength);
    const bp = bias ? heap.take(co * 4) : 0;
    const wk = heap.take(work);
    put(x, xp);
    put(w, wp);
    if (bias) put(bias, bp);
    const yv = new Float32Array(heap.memory.buffer, yp, nb * co * P);
    for (let b = 0; b < nb; b++) {
      const xb = xp + b * ci * H * W * 4;
      const yb = yp + b * co * P * 4;
      if (depthwise) {
        wx.depthwise_f32(xb, ci, H, W, co, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, wp, bp, yb, wk);
        continue;
      }
      // conv bias is per output channel (a GEMM row): pre-fill C with it and accumulate
      for (let oc = 0; oc < co; oc++) yv.fill(bias ? bias[oc] : 0, (b * co + oc) * P, (b * co + oc + 1) * P);
      for (let gi = 0; gi < groups; gi++) {
        wx.im2col_f32_packed(xb, H, W, gi * cig, cig, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, wk);
        const r0 = gi * cog;
        wx.sgemm_packed(cog, P, K, wp + r0 * K * 4, K, wk, yb + r0 * P * 4, P, 0, 1);
      }
    }
    res.set(yv);
    return res;
  }

  return { name: 'wasm', sgemm, conv2d };
}
