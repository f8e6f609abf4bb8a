/**
 * The wasm backend's Fp32Kernels.softmax_rows (assembly/fsoftmax.ts): torch.softmax over the last dim, the JS
 * loop's numerics bit for bit (float64 max and sum, fdlibm's exp as V8's Math.exp) without the per-element
 * Math.exp call. Input copied into the reused scratch block once, the result out once.
 */
import type { Fp32Kernels } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** softmax_rows bound to one instance. */
export function make_wasm_softmax(inst: WasmInstance): NonNullable<Fp32Kernels['softmax_rows']> {
  const { exports: wx, heap } = inst;
  return function softmax_rows(x: Float32Array, rows: number, n: number, y?: Float32Array): Float32Array {
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(n) || n < 0)
      throw new Error(`wasm.softmax_rows: rows and n must be non-negative integers, got ${rows}, ${n}`);
    if (x.length !== rows * n) throw new Error(`wasm.softmax_rows: x has ${x.length} elements, expected ${rows}·${n}`);
    const res = y ?? new Float32Array(rows * n);
    if (res.length !== rows * n)
      throw new Error(`wasm.softmax_rows: output has ${res.length} elements, expected ${rows}·${n}`);
    if (rows * n === 0) return res;
    heap.begin(scratch_bytes(x.byteLength, n * 8));
    const xp = heap.take(x.byteLength);
    const ep = heap.take(n * 8);
    heap.u8.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), xp);
    // in place: each row is read whole (max, exponentials into e) before it is written
    wx.softmax_rows_f32(xp, rows, n, xp, ep);
    res.set(new Float32Array(heap.memory.buffer, xp, rows * n));
    return res;
  };
}
