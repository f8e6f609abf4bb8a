/**
 * The wasm backend's Fp32Kernels.layer_norm (assembly/flayernorm.ts): inference F.layer_norm with the JS loop's
 * float64 numerics bit for bit; input, gamma and beta copied into the reused scratch block once, the result out once.
 */
import type { Fp32Kernels } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** layer_norm bound to one instance. */
export function make_wasm_layer_norm(inst: WasmInstance): NonNullable<Fp32Kernels['layer_norm']> {
  const { exports: wx, heap } = inst;
  const put = (a: Float32Array, off: number) => heap.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
  return function layer_norm(x, rows, d, gamma, beta, eps, y) {
    const name = 'wasm.layer_norm';
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(d) || d < 0)
      throw new Error(`${name}: rows and d must be non-negative integers, got ${rows}, ${d}`);
    if (x.length !== rows * d) throw new Error(`${name}: x has ${x.length} elements, expected ${rows}·${d}`);
    for (const [t, what] of [
      [gamma, 'gamma'],
      [beta, 'beta'],
    ] as const)
      if (t && t.length !== d) throw new Error(`${name}: ${what} has ${t.length} elements, expected ${d}`);
    const res = y ?? new Float32Array(rows * d);
    if (res.length !== rows * d) throw new Error(`${name}: output has ${res.length} elements, expected ${rows}·${d}`);
    if (rows * d === 0) return res;
    heap.begin(scratch_bytes(x.byteLength, gamma ? d * 4 : 0, beta ? d * 4 : 0));
    const xp = heap.take(x.byteLength);
    const gp = gamma ? heap.take(d * 4) : 0;
    const bp = beta ? heap.take(d * 4) : 0;
    put(x, xp);
    if (gamma) put(gamma, gp);
    if (beta) put(beta, bp);
    // in place: each row's statistics are taken before the row is written
    wx.layer_norm_rows_f32(xp, rows, d, gp, bp, eps, xp);
    res.set(new Float32Array(heap.memory.buffer, xp, rows * d));
    return res;
  };
}
