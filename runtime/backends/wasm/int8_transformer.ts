/**
 * The wasm backend's transformer kernels (assembly/qtransformer.ts): qmatmul on the dot_i16x8 GEMM, torch's
 * float-path add, quantized LayerNorm and the softmax island. Checks and float32 constants (qlinear's
 * multiplier, the dequantization tables with their exact fma) are the js reference's own, so both backends
 * reject the same input and agree bit for bit. Each call copies its operands into the reused scratch block.
 */
import { check_qadd_float, dequant_table } from '../js/int8/add_float.js';
import { check_qlayer_norm } from '../js/int8/layer_norm.js';
import { check_qmatmul } from '../js/int8/matmul.js';
import { requant_multipliers } from '../js/int8/numerics.js';
import { check_qsoftargmax } from '../js/int8/softargmax.js';
import { check_qsoftmax } from '../js/int8/softmax.js';
import { check_qsoftmax_int } from '../js/int8/softmax_int.js';
import type {
  Int8Kernels,
  QAddFloatParams,
  QInput,
  QLayerNormParams,
  QMatmulGeometry,
  QOutput,
  QSoftmaxIntParams,
} from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

const fround = Math.fround;

export function make_wasm_transformer(
  inst: WasmInstance,
): Pick<Int8Kernels, 'qmatmul' | 'qadd_float' | 'qlayer_norm' | 'qsoftmax' | 'qsoftmax_int' | 'qsoftargmax'> {
  const { exports: wx, heap } = inst;

  function qmatmul(a: QInput, b: QInput, g: QMatmulGeometry, out: QOutput, y?: Uint8Array): Uint8Array {
    const len = check_qmatmul(a, b, g, out, y, 'wasm.qmatmul');
    const res = y ?? new Uint8Array(len);
    const mult = requant_multipliers(a.scale, Float32Array.of(b.scale), out.scale, 'wasm.qmatmul')[0];
    const { batch, m, k, n } = g;
    if (len === 0) return res;
    // an empty reduction: every sum is 0, which requantizes to the zero point (clamped)
    if (k === 0) return res.fill(Math.min(out.qmax, Math.max(out.qmin, out.zero_point)));
    const kp = (k + 7) & ~7;
    const n4 = (n + 3) & ~3;
    const part_bytes = wx.qgemm_part_bytes(m, n, kp);
    heap.begin(scratch_bytes(a.data.length, b.data.length, m * kp * 2, n4 * kp * 2, n4 * 4, n4 * 4, part_bytes, len));
    const ap = heap.take(a.data.length);
    const bp = heap.take(b.data.length);
    const a16 = heap.take(m * kp * 2);
    const b16 = heap.take(n4 * kp * 2);
    const biasp = heap.take(n4 * 4);
    const multp = heap.take(n4 * 4);
    const part = heap.take(part_bytes);
    const yp = heap.take(len);
    const u8 = heap.u8;
    u8.set(a.data, ap);
    u8.set(b.data, bp);
    new Int32Array(heap.memory.buffer, biasp, n4).fill(0);
    new Float32Array(heap.memory.buffer, multp, n4).fill(mult);
    const { zero_point: zp, qmin, qmax } = out;
    wx.qmatmul_u8(
      ap,
      bp,
      batch,
      m,
      k,
      n,
      a.zero_point,
      b.zero_point,
      kp,
      a16,
      b16,
      biasp,
      multp,
      zp,
      qmin - zp,
      qmax - zp,
      part,
      yp,
    );
    res.set(heap.u8.subarray(yp, yp + len));
    return res;
  }

  function qadd_float(a: Uint8Array, b: Uint8Array, p: QAddFloatParams, y?: Uint8Array): Uint8Array {
    check_qadd_float(a, b, p, y, 'wasm.qadd_float');
    const n = a.length;
    const res = y ?? new Uint8Array(n);
    if (n === 0) return res;
    const tables = [
      dequant_table(p.a_scale, p.a_zero_point, p.a_premul, true),
      dequant_table(p.a_scale, p.a_zero_point, p.a_premul, false),
      dequant_table(p.b_scale, p.b_zero_point, p.b_premul, true),
      dequant_table(p.b_scale, p.b_zero_point, p.b_premul, false),
    ];
    heap.begin(scratch_bytes(n, b.length, n, 4096));
    const ap = heap.take(n);
    const bp = heap.take(b.length);
    const yp = heap.take(n);
    const tp = heap.take(4096);
    const u8 = heap.u8;
    u8.set(a, ap);
    u8.set(b, bp);
    const f32 = new Float32Array(heap.memory.buffer, tp, 1024);
    for (let i = 0; i < tables.length; i++) f32.set(tables[i], i * 256);
    wx.qadd_float_u8(
      ap,
      bp,
      n,
      b.length,
      p.run,
      p.vec_len,
      tp,
      tp + 1024,
      tp + 2048,
      tp + 3072,
      p.inv_scale,
      p.zero_point,
      p.qmin,
      p.qmax,
      yp,
    );
    res.set(heap.u8.subarray(yp, yp + n));
    return res;
  }

  function qlayer_norm(x: QInput, p: QLayerNormParams, out: QOutput, y?: Uint8Array): Uint8Array {
    const len = check_qlayer_norm(x, p, out, y, 'wasm.qlayer_norm');
    const res = y ?? new Uint8Array(len);
    if (len === 0) return res;
    const { n } = p;
    heap.begin(scratch_bytes(len, len, n * 4, n * 4, 16));
    const xp = heap.take(len);
    const yp = heap.take(len);
    const wp = heap.take(n * 4);
    const bp = heap.take(n * 4);
    const sums = heap.take(16);
    heap.u8.set(x.data, xp);
    // no weight / bias: ·1 and +0, which change no quantized value
    const wv = new Float32Array(heap.memory.buffer, wp, n);
    if (p.weight) wv.set(p.weight);
    else wv.fill(1);
    const bv = new Float32Array(heap.memory.buffer, bp, n);
    if (p.bias) bv.set(p.bias);
    else bv.fill(0);
    const inv = fround(1 / fround(out.scale));
    wx.qlayer_norm_u8(
      xp,
      p.rows,
      n,
      fround(x.scale),
      x.zero_point,
      p.eps,
      wp,
      bp,
      inv,
      out.zero_point,
      out.qmin,
      out.qmax,
      sums,
      yp,
    );
    res.set(heap.u8.subarray(yp, yp + len));
    return res;
  }

  function qsoftmax(x: QInput, rows: number, n: number, out: QOutput, y?: Uint8Array): Uint8Array {
    const len = check_qsoftmax(x, rows, n, out, y, 'wasm.qsoftmax');
    const res = y ?? new Uint8Array(len);
    if (len === 0) return res;
    const sb = wx.qsoftmax_scratch_bytes(n);
    heap.begin(scratch_bytes(len, len, sb));
    const xp = heap.take(len);
    const yp = heap.take(len);
    const sp = heap.take(sb);
    heap.u8.set(x.data, xp);
    const inv = fround(1 / fround(out.scale));
    wx.qsoftmax_u8(xp, rows, n, fround(x.scale), x.zero_point, inv, out.zero_point, out.qmin, out.qmax, sp, yp);
    res.set(heap.u8.subarray(yp, yp + len));
    return res;
  }

  function qsoftmax_int(x: Uint8Array, rows: number, n: number, p: QSoftmaxIntParams, y?: Uint8Array): Uint8Array {
    const len = check_qsoftmax_int(x, rows, n, p, y, 'wasm.qsoftmax_int');
    const res = y ?? new Uint8Array(len);
    if (len === 0) return res;
    heap.begin(scratch_bytes(len, len, 1024, n * 4 + 16));
    const xp = heap.take(len);
    const yp = heap.take(len);
    const tp = heap.take(1024);
    const rp = heap.take(n * 4 + 16);
    heap.u8.set(x, xp);
    new Int32Array(heap.memory.buffer, tp, 256).set(p.exp_table);
    wx.qsoftmax_int_u8(xp, rows, n, tp, p.mult, p.zero_point, p.qmin, p.qmax, rp, yp);
    res.set(heap.u8.subarray(yp, yp + len));
    return res;
  }

  function qsoftargmax(x: Uint8Array, rows: number, n: number, table: Uint32Array, y?: Uint8Array): Uint8Array {
    const len = check_qsoftargmax(x, rows, n, table, y, 'wasm.qsoftargmax');
    const res = y ?? new Uint8Array(len);
    if (len === 0) return res;
    heap.begin(scratch_bytes(len, len, 1024));
    const xp = heap.take(len);
    const yp = heap.take(len);
    const tp = heap.take(1024);
    heap.u8.set(x, xp);
    new Uint32Array(heap.memory.buffer, tp, 256).set(table);
    // a uint32 sum that wraps to exactly 0 is refused as the js does (qnnpack would divide by it)
    if (wx.qsoftargmax_u8(xp, rows, n, tp, yp) !== 0)
      throw new Error('wasm.qsoftargmax: a row sum wrapped to 0 in uint32 (qnnpack divides by it)');
    res.set(heap.u8.subarray(yp, yp + len));
    return res;
  }

  return { qmatmul, qadd_float, qlayer_norm, qsoftmax, qsoftmax_int, qsoftargmax };
}
