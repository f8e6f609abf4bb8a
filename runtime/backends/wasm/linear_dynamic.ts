/**
 * The wasm backend's RnnKernels.linear_dynamic: torch's dynamic int8 Linear as one pass through wasm memory —
 * x copied in once, min/max (minmax_f32), quantized straight into qgemm's int16 operand (quantize_rows_q16),
 * the int32 GEMM (qgemm), dequantized + bias in place over the accumulators (dequant_bias), relu in place,
 * copied out once. Bit-identical to the js reference (backends/js/linear_dynamic.ts): the same kernels the
 * dynamic LSTM uses for its projections. Only the qparams (a scalar choice) are made in js.
 */

import { check_linear_dynamic, dynamic_qparams } from '../js/linear_dynamic.js';
import type { PackedQWeight, RnnKernels } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmPackedQWeight } from './int8.js';
import type { WasmInstance } from './module.js';

const MODE_ACC_I32 = 2;

/** linear_dynamic bound to one instance. */
export function make_wasm_linear_dynamic(inst: WasmInstance): RnnKernels['linear_dynamic'] {
  const { exports: wx, heap } = inst;
  const put = (a: Float32Array, off: number) => heap.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);

  return function linear_dynamic(
    x: Float32Array,
    m: number,
    w: PackedQWeight,
    w_scales: Float32Array,
    bias: Float32Array | null,
    relu: boolean,
    y?: Float32Array,
  ): Float32Array {
    const name = 'wasm.linear_dynamic';
    const pw = w as WasmPackedQWeight;
    if (w.backend !== 'wasm' || pw.owner !== inst || pw.layout !== 'c')
      throw new Error(`${name}: the weight was not packed by this wasm instance as a Linear weight`);
    const n = check_linear_dynamic(name, x, m, w, w_scales, bias, y);
    const out = y ?? new Float32Array(m * n);
    if (m === 0) return out;
    const { k, kp } = pw;
    const part = wx.qgemm_part_bytes(m, n, kp);
    heap.begin(scratch_bytes(m * k * 4, m * kp * 2, m * n * 4, n * 4, bias ? n * 4 : 0, part, 8));
    const xp = heap.take(m * k * 4);
    const x16 = heap.take(m * kp * 2);
    const yp = heap.take(m * n * 4);
    const sp = heap.take(n * 4);
    const bp = bias ? heap.take(n * 4) : 0;
    const pp = heap.take(part);
    const r = heap.take(8);
    put(x, xp);
    put(w_scales, sp);
    if (bias) put(bias, bp);
    wx.minmax_f32(xp, m * k, r);
    const f32 = new Float32Array(heap.memory.buffer, r, 2);
    const qp = dynamic_qparams(name, f32[0], f32[1], m, k);
    wx.quantize_rows_q16(xp, m, k, k, Math.fround(1 / qp.scale), qp.zero_point, x16, kp);
    wx.qgemm(x16, pw.ptr, m, n, kp, yp, n, MODE_ACC_I32, 0, 0, 0, 0, 0, pp);
    // float32 results over their own int32 accumulators: each lane is read before it is written
    wx.dequant_bias(yp, m, n, n, qp.scale, sp, bp, yp, n);
    if (relu) wx.relu_f32(yp, m * n, yp);
    out.set(new Float32Array(heap.memory.buffer, yp, m * n));
    return out;
  };
}
