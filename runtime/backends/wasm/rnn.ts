/**
 * The wasm backend's RnnKernels (assembly/dynamic_quant.ts, assembly/rnn.ts) and the two whole-layer LSTM
 * drivers built on them, which keep every per-step buffer (h, c, gate pre-activations, the quantized h,
 * the int32 accumulator, the outputs) resident in wasm memory across the time loop: one copy in and one
 * copy out per layer instead of per step.
 *  - lstm_fp32_layer: input projection for all steps as one sgemm, w_hh packed once, per step one
 *    sgemm / sgemv + the fused cell (the float LSTM's no_grad fast path).
 *  - lstm_dynamic_layer: torch's dynamic int8 LSTM (quantized_lstm on qnnpack): the input projection as
 *    one dynamic linear over the sequence, per step h quantized from its own min/max, the int8 GEMM, the
 *    dequantize + bias and the fused cell; bit-exact with linear_dynamic for the projections.
 */

import { choose_qparams } from '../../quantized/qtensor.js';
import { output_u8 } from '../../tensor/buffer_pool.js';
import type { Backend, LstmGeometry, LstmLayerKernels, PackedQWeight, RnnKernels } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmPackedQWeight } from './int8.js';
import { make_wasm_linear_dynamic } from './linear_dynamic.js';
import type { WasmInstance } from './module.js';

const MODE_ACC_I32 = 2;
/** Below this many rows sgemv reads w_hh in place; from it on w_hh is packed once per layer. */
const GEMV_ROWS = 4;

export type { LstmGeometry };

/** The wasm RnnKernels with their whole-layer LSTM drivers. */
export type WasmRnn = RnnKernels & LstmLayerKernels;

const cache = new WeakMap<WasmInstance, WasmRnn>();

/** The wasm RnnKernels of a backend built on a wasm instance (cached per instance), else null. */
export function wasm_rnn(be: Backend): WasmRnn | null {
  const inst = (be as { instance?: WasmInstance }).instance;
  if (!inst) return null;
  let k = cache.get(inst);
  if (!k) {
    k = make_wasm_rnn(inst);
    cache.set(inst, k);
  }
  return k;
}

/** Creates the kernels bound to one instance. */
export function make_wasm_rnn(inst: WasmInstance): WasmRnn {
  const { exports: wx, heap } = inst;
  const f32 = () => new Float32Array(heap.memory.buffer);
  const put = (a: Float32Array | Int32Array, off: number) =>
    heap.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);

  /** min/max of `n` floats at byte offset p (through the 8-byte result slot r). */
  function minmax_at(p: number, n: number, r: number): [number, number] {
    wx.minmax_f32(p, n, r);
    const v = f32();
    return [v[r >> 2], v[(r >> 2) + 1]];
  }

  function minmax(x: Float32Array): [number, number] {
    heap.begin(scratch_bytes(x.byteLength, 8));
    const xp = heap.take(x.byteLength);
    const r = heap.take(8);
    put(x, xp);
    return minmax_at(xp, x.length, r);
  }

  function quantize_u8(x: Float32Array, scale: number, zero_point: number, y?: Uint8Array): Uint8Array {
    const out = y ?? output_u8(x.length);
    if (out.length < x.length)
      throw new Error(`wasm.quantize_u8: output has ${out.length} elements, needs ${x.length}`);
    heap.begin(scratch_bytes(x.byteLength, x.length));
    const xp = heap.take(x.byteLength);
    const yp = heap.take(x.length);
    put(x, xp);
    wx.quantize_u8(xp, x.length, Math.fround(1 / Math.fround(scale)), zero_point, yp);
    out.set(heap.u8.subarray(yp, yp + x.length));
    return out;
  }

  function dequant_bias(
    acc: Int32Array,
    m: number,
    n: number,
    x_scale: number,
    w_scales: Float32Array,
    bias: Float32Array | null,
    y?: Float32Array,
  ): Float32Array {
    if (acc.length < m * n) throw new Error(`wasm.dequant_bias: acc has ${acc.length} elements, needs m·n = ${m}·${n}`);
    if (w_scales.length < n)
      throw new Error(`wasm.dequant_bias: w_scales has ${w_scales.length} entries, needs n = ${n}`);
    if (bias && bias.length < n) throw new Error(`wasm.dequant_bias: bias has ${bias.length} entries, needs n = ${n}`);
    const out = y ?? new Float32Array(m * n);
    heap.begin(scratch_bytes(m * n * 4, n * 4, bias ? n * 4 : 0, m * n * 4));
    const ap = heap.take(m * n * 4);
    const sp = heap.take(n * 4);
    const bp = bias ? heap.take(n * 4) : 0;
    const yp = heap.take(m * n * 4);
    put(acc.subarray(0, m * n), ap);
    put(w_scales.subarray(0, n), sp);
    if (bias) put(bias.subarray(0, n), bp);
    wx.dequant_bias(ap, m, n, n, x_scale, sp, bp, yp, n);
    out.set(f32().subarray(yp >> 2, (yp >> 2) + m * n));
    return out;
  }

  function lstm_cell(gx: Float32Array, gh: Float32Array, c: Float32Array, h: Float32Array, n: number, H: number): void {
    const G = 4 * H;
    if (gx.length < n * G || gh.length < n * G || c.length < n * H || h.length < n * H)
      throw new Error(
        `wasm.lstm_cell: need gx, gh of ${n}·${G} and c, h of ${n}·${H}, got ${gx.length}, ${gh.length}, ${c.length}, ${h.length}`,
      );
    heap.begin(scratch_bytes(n * G * 4, n * G * 4, n * H * 4, n * H * 4));
    const [gxp, ghp, cp, hp] = [n * G, n * G, n * H, n * H].map((e) => heap.take(e * 4));
    put(gx.subarray(0, n * G), gxp);
    put(gh.subarray(0, n * G), ghp);
    put(c.subarray(0, n * H), cp);
    put(h.subarray(0, n * H), hp);
    wx.lstm_cell_f32(gxp, G, ghp, n, H, cp, hp, 0, 0);
    const v = f32();
    c.set(v.subarray(cp >> 2, (cp >> 2) + n * H));
    h.set(v.subarray(hp >> 2, (hp >> 2) + n * H));
  }

  function lstm_fp32_layer(
    x: Float32Array,
    geo: LstmGeometry,
    w_ih: Float32Array,
    w_hh: Float32Array,
    bias: Float32Array | null,
    h: Float32Array,
    c: Float32Array,
    out: Float32Array,
    out_stride: number,
    out_offset: number,
  ): void {
    const { T, N, I, H, time_major } = geo;
    const G = 4 * H;
    const R = T * N;
    if (x.length < R * I || w_ih.length < G * I || w_hh.length < G * H || h.length < N * H || c.length < N * H)
      throw new Error(
        `wasm.lstm_fp32_layer: x ${x.length}, w_ih ${w_ih.length}, w_hh ${w_hh.length}, h ${h.length}, c ${c.length} do not fit T=${T}, N=${N}, I=${I}, H=${H}`,
      );
    const packed = N >= GEMV_ROWS;
    const ih_panels = R >= GEMV_ROWS ? Math.ceil(G / 8) * I * 32 : 0;
    const hh_panels = packed ? Math.ceil(G / 8) * H * 32 : 0;
    const out_len = out.length;
    heap.begin(
      scratch_bytes(
        R * I * 4,
        G * I * 4,
        ih_panels,
        G * H * 4,
        hh_panels,
        G * 4,
        R * G * 4,
        N * G * 4,
        N * H * 4,
        N * H * 4,
        out_len * 4,
      ),
    );
    const xp = heap.take(R * I * 4);
    const wip = heap.take(G * I * 4);
    const pip = heap.take(ih_panels);
    const whp = heap.take(G * H * 4);
    const php = heap.take(hh_panels);
    const bp = bias ? heap.take(G * 4) : 0;
    const gxp = heap.take(R * G * 4);
    const ghp = heap.take(N * G * 4);
    const hp = heap.take(N * H * 4);
    const cp = heap.take(N * H * 4);
    const op = heap.take(out_len * 4);
    put(x.subarray(0, R * I), xp);
    put(w_ih.subarray(0, G * I), wip);
    put(w_hh.subarray(0, G * H), whp);
    if (bias) put(bias.subarray(0, G), bp);
    put(h.subarray(0, N * H), hp);
    put(c.subarray(0, N * H), cp);
    put(out, op);
    if (R >= GEMV_ROWS) {
      wx.pack_b_f32(wip, I, G, 1, pip);
      wx.sgemm_packed(R, G, I, xp, I, pip, gxp, G, bp, 0);
    } else wx.sgemv_t(R, G, I, xp, I, wip, gxp, G, bp, 0);
    if (packed) wx.pack_b_f32(whp, H, G, 1, php);
    // rows of step t: t·N + n (time major) or n·T + t (batch first)
    const step_rows = time_major ? 1 : T;
    for (let s = 0; s < T; s++) {
      const t = geo.reverse ? T - 1 - s : s;
      const r0 = time_major ? t * N : t;
      if (packed) wx.sgemm_packed(N, G, H, hp, H, php, ghp, G, 0, 0);
      else wx.sgemv_t(N, G, H, hp, H, whp, ghp, G, 0, 0);
      wx.lstm_cell_f32(
        gxp + r0 * G * 4,
        step_rows * G,
        ghp,
        N,
        H,
        cp,
        hp,
        op + (r0 * out_stride + out_offset) * 4,
        step_rows * out_stride,
      );
    }
    const v = f32();
    h.set(v.subarray(hp >> 2, (hp >> 2) + N * H));
    c.set(v.subarray(cp >> 2, (cp >> 2) + N * H));
    out.set(v.subarray(op >> 2, (op >> 2) + out_len));
  }

  function own(w: PackedQWeight, what: string): WasmPackedQWeight {
    const pw = w as WasmPackedQWeight;
    if (w.backend !== 'wasm' || pw.owner !== inst || pw.layout !== 'c')
      throw new Error(`wasm.lstm_dynamic_layer: ${what} was not packed by this wasm instance as a Linear weight`);
    return pw;
  }

  /** Quantizes `rows`×`k` floats at p from their own min/max into int16 rows at q16; returns the scale. */
  function quantize_dynamic_at(p: number, rows: number, k: number, kp: number, q16: number, r: number): number {
    const [lo, hi] = minmax_at(p, rows * k, r);
    if (!Number.isFinite(lo) || !Number.isFinite(hi))
      throw new Error(`wasm.lstm_dynamic_layer: activations [${rows}, ${k}] contain NaN or infinite values`);
    const qp = choose_qparams(lo, hi, 0, 255);
    wx.quantize_rows_q16(p, rows, k, k, Math.fround(1 / qp.scale), qp.zero_point, q16, kp);
    return qp.scale;
  }

  function lstm_dynamic_layer(
    x: Float32Array,
    T: number,
    N: number,
    ih_w: PackedQWeight,
    hh_w: PackedQWeight,
    h: Float32Array,
    c: Float32Array,
    reverse: boolean,
  ): Float32Array {
    const ih = own(ih_w, 'weight_ih');
    const hh = own(hh_w, 'weight_hh');
    const I = ih.k;
    const H = hh.k;
    const G = 4 * H;
    const R = T * N;
    if (ih.n !== G || hh.n !== G)
      throw new Error(
        `wasm.lstm_dynamic_layer: weights are [${ih.n}, ${I}] and [${hh.n}, ${H}], expected ${G} rows each`,
      );
    if (x.length !== R * I || h.length !== N * H || c.length !== N * H)
      throw new Error(
        `wasm.lstm_dynamic_layer: x ${x.length}, h ${h.length}, c ${c.length} elements do not fit T=${T}, N=${N}, I=${I}, H=${H}`,
      );
    const out = new Float32Array(R * H);
    if (R === 0) return out;
    const part = Math.max(wx.qgemm_part_bytes(R, G, ih.kp), wx.qgemm_part_bytes(N, G, hh.kp));
    const bias = (w: WasmPackedQWeight) => (w.bias ? G * 4 : 0);
    heap.begin(
      scratch_bytes(
        R * I * 4,
        R * ih.kp * 2,
        R * G * 4,
        N * hh.kp * 2,
        N * G * 4,
        N * H * 4,
        N * H * 4,
        R * H * 4,
        G * 4,
        G * 4,
        bias(ih),
        bias(hh),
        part,
        8,
      ),
    );
    const xp = heap.take(R * I * 4);
    const x16 = heap.take(R * ih.kp * 2);
    const accx = heap.take(R * G * 4);
    const h16 = heap.take(N * hh.kp * 2);
    const acch = heap.take(N * G * 4);
    const hp = heap.take(N * H * 4);
    const cp = heap.take(N * H * 4);
    const op = heap.take(R * H * 4);
    const sip = heap.take(G * 4);
    const shp = heap.take(G * 4);
    const bip = ih.bias ? heap.take(G * 4) : 0;
    const bhp = hh.bias ? heap.take(G * 4) : 0;
    const pp = heap.take(part);
    const r = heap.take(8);
    put(x, xp);
    put(h, hp);
    put(c, cp);
    put(ih.scales, sip);
    put(hh.scales, shp);
    if (ih.bias) put(ih.bias, bip);
    if (hh.bias) put(hh.bias, bhp);
    // the input projection of every step: one dynamic linear over [T·N, I], as torch's layer does
    const sx = quantize_dynamic_at(xp, R, I, ih.kp, x16, r);
    wx.qgemm(x16, ih.ptr, R, G, ih.kp, accx, G, MODE_ACC_I32, 0, 0, 0, 0, 0, pp);
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const sh = quantize_dynamic_at(hp, N, H, hh.kp, h16, r);
      wx.qgemm(h16, hh.ptr, N, G, hh.kp, acch, G, MODE_ACC_I32, 0, 0, 0, 0, 0, pp);
      // both projections dequantized (+ bias) inside the cell: the same float32 steps as dequant_bias
      // on each, without writing the float projections out and reading them back
      const ax = accx + t * N * G * 4;
      wx.lstm_cell_dq(ax, G, sx, sip, bip, acch, sh, shp, bhp, N, H, cp, hp, op + t * N * H * 4, H);
    }
    const v = f32();
    h.set(v.subarray(hp >> 2, (hp >> 2) + N * H));
    c.set(v.subarray(cp >> 2, (cp >> 2) + N * H));
    out.set(v.subarray(op >> 2, (op >> 2) + R * H));
    return out;
  }

  const layers: LstmLayerKernels = { lstm_fp32_layer, lstm_dynamic_layer };
  const linear_dynamic = make_wasm_linear_dynamic(inst);
  return { name: 'wasm', minmax, quantize_u8, dequant_bias, linear_dynamic, lstm_cell, lstm_layers: layers, ...layers };
}
