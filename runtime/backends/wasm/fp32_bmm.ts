/**
 * The wasm backend's Fp32Kernels.bmm: nb row-major products C[i] = A[i]·B[i] ([m, k]·[k, n]) with the operands
 * copied into wasm memory once for all batches and the result out once (torch.matmul of two batched tensors:
 * attention's q·kᵀ and attn·v). Per batch the very kernels sgemm runs for a plain [m, k]·[k, n] call — sgemv_n
 * under 4 rows, else B packed into panels and sgemm_packed — so the bits equal nb calls of sgemm.
 */
import type { Fp32Kernels } from '../types.js';
import { scratch_bytes } from './heap.js';
import type { WasmInstance } from './module.js';

/** Below this many rows sgemm reads B in place (as fp32.ts). */
const GEMV_ROWS = 4;

/** bmm bound to one instance. */
export function make_wasm_bmm(inst: WasmInstance): NonNullable<Fp32Kernels['bmm']> {
  const { exports: wx, heap } = inst;
  const put = (a: Float32Array, off: number) => heap.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
  return function bmm(nb, m, n, k, a, b, c) {
    for (const [name, v] of [
      ['nb', nb],
      ['m', m],
      ['n', n],
      ['k', k],
    ] as const)
      if (!Number.isInteger(v) || v < 0) throw new Error(`wasm.bmm: ${name} must be a non-negative integer, got ${v}`);
    if (a.length !== nb * m * k || b.length !== nb * k * n || c.length !== nb * m * n)
      throw new Error(
        `wasm.bmm: A, B, C have ${a.length}, ${b.length}, ${c.length} elements, expected ${nb}·${m}·${k}, ${nb}·${k}·${n}, ${nb}·${m}·${n}`,
      );
    if (nb * m * n === 0) return;
    if (k === 0) {
      c.fill(0);
      return;
    }
    const gemv = m < GEMV_ROWS;
    const panels = gemv ? 0 : Math.ceil(n / 8) * k * 32;
    heap.begin(scratch_bytes(a.byteLength, b.byteLength, panels, c.byteLength));
    const ap = heap.take(a.byteLength);
    const bp = heap.take(b.byteLength);
    const pp = heap.take(panels);
    const cp = heap.take(c.byteLength);
    put(a, ap);
    put(b, bp);
    for (let i = 0; i < nb; i++) {
      const ai = ap + i * m * k * 4;
      const bi = bp + i * k * n * 4;
      const ci = cp + i * m * n * 4;
      if (gemv) wx.sgemv_n(m, n, k, ai, k, bi, ci, n, 0, 0);
      else {
        wx.pack_b_f32(bi, k, n, 0, pp);
        wx.sgemm_packed(m, n, k, ai, k, pp, ci, n, 0, 0);
      }
    }
    c.set(new Float32Array(heap.memory.buffer, cp, nb * m * n));
  };
}
