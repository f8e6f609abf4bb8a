/**
 * The wasm backend's int8 elementwise kernels (assembly/qelementwise.ts): clamp, 256-entry table, qmul and cat.
 * Checks are the js reference's own, so both backends reject the same input. Each call copies its operands into
 * the reused scratch block once and its result out once (clamp and table work in place there).
 */
import { output_u8 } from '../../tensor/buffer_pool.js';
import { check_lut, check_qcat, check_qclamp, check_qmul } from '../js/int8/elementwise.js';
import type { Int8Kernels, QCatPart, QMulParams } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

function out_buffer(y: Uint8Array | undefined, n: number, op: string): Uint8Array {
  if (y && y.length !== n) throw new Error(`${op}: output buffer has ${y.length} elements, expected ${n}`);
  return y ?? output_u8(n);
}

/** Creates qclamp / qlut / qmul / qcat bound to one instance. */
export function make_wasm_elementwise(inst: WasmInstance): Pick<Int8Kernels, 'qclamp' | 'qlut' | 'qmul' | 'qcat'> {
  const { exports: wx, heap } = inst;

  function qclamp(x: Uint8Array, lo: number, hi: number, y?: Uint8Array): Uint8Array {
    check_qclamp(lo, hi, 'wasm.qclamp');
    const n = x.length;
    const res = out_buffer(y, n, 'wasm.qclamp');
    if (n === 0) return res;
    heap.begin(scratch_bytes(n));
    const xp = heap.take(n);
    heap.u8.set(x, xp);
    wx.qclamp_u8(xp, n, lo, hi, xp);
    res.set(heap.u8.subarray(xp, xp + n));
    return res;
  }

  function qlut(x: Uint8Array, lut: Uint8Array, y?: Uint8Array): Uint8Array {
    check_lut(lut, 'wasm.qlut');
    const n = x.length;
    const res = out_buffer(y, n, 'wasm.qlut');
    if (n === 0) return res;
    heap.begin(scratch_bytes(256, n));
    const tp = heap.take(256);
    const xp = heap.take(n);
    const u8 = heap.u8;
    u8.set(lut, tp);
    u8.set(x, xp);
    wx.qlut_u8(xp, n, tp, xp);
    res.set(heap.u8.subarray(xp, xp + n));
    return res;
  }

  function qmul(a: Uint8Array, b: Uint8Array, p: QMulParams, y?: Uint8Array): Uint8Array {
    check_qmul(a, b, p, 'wasm.qmul');
    const n = a.length;
    const res = out_buffer(y, n, 'wasm.qmul');
    if (n === 0) return res;
    heap.begin(scratch_bytes(n, n));
    const ap = heap.take(n);
    const bp = heap.take(n);
    const u8 = heap.u8;
    u8.set(a, ap);
    u8.set(b, bp);
    wx.qmul_u8(ap, bp, n, p.a_zero_point, p.b_zero_point, p.mult, p.zero_point, p.qmin, p.qmax, ap);
    res.set(heap.u8.subarray(ap, ap + n));
    return res;
  }

  function qcat(parts: readonly QCatPart[], outer: number, y?: Uint8Array): Uint8Array {
    const row = check_qcat(parts, outer, y, 'wasm.qcat');
    const n = outer * row;
    const res = y ?? output_u8(n);
    if (n === 0) return res;
    const sizes = parts.map((p) => p.data.length + (p.lut ? 256 : 0));
    heap.begin(scratch_bytes(n, ...sizes));
    const yp = heap.take(n);
    const ptrs = parts.map((p) => [heap.take(p.data.length + (p.lut ? 256 : 0)), p] as const);
    const u8 = heap.u8;
    let offset = 0;
    for (const [ptr, p] of ptrs) {
      if (p.len > 0) {
        if (p.lut) u8.set(p.lut, ptr);
        const src = p.lut ? ptr + 256 : ptr;
        u8.set(p.data, src);
        wx.qcat_part_u8(src, p.len, outer, row, offset, p.lut ? ptr : 0, yp);
      }
      offset += p.len;
    }
    res.set(heap.u8.subarray(yp, yp + n));
    return res;
  }

  return { qclamp, qlut, qmul, qcat };
}
