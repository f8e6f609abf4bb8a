/**
 * The wasm backend's Fp32Kernels.gelu (assembly/fgelu.ts): exact GELU with the JS loop's numerics bit for bit
 * (runtime/tensor/ops/erf.ts's grid tables, copied into wasm memory once per instance, and its Taylor step).
 */
import { ERFC_TABLES } from '../../tensor/ops/erf.js';
import type { Fp32Kernels } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** gelu bound to one instance. */
export function make_wasm_gelu(inst: WasmInstance): NonNullable<Fp32Kernels['gelu']> {
  const { exports: wx, heap } = inst;
  let tables: [number, number, number] | null = null;
  const resident = (a: Float64Array): number => {
    const p = heap.alloc(a.byteLength);
    heap.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), p);
    return p;
  };
  return function gelu(x: Float32Array, y?: Float32Array): Float32Array {
    const n = x.length;
    const res = y ?? new Float32Array(n);
    if (res.length !== n) throw new Error(`wasm.gelu: output has ${res.length} elements, expected ${n}`);
    if (n === 0) return res;
    tables ??= [resident(ERFC_TABLES.erfc0), resident(ERFC_TABLES.d0), resident(ERFC_TABLES.inv)];
    heap.begin(scratch_bytes(n * 4));
    const xp = heap.take(n * 4);
    heap.u8.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), xp);
    wx.gelu_erf_f32(xp, n, xp, ...tables);
    res.set(new Float32Array(heap.memory.buffer, xp, n));
    return res;
  };
}
