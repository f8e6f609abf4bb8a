/**
 * The wasm backend's Fp32Kernels: f32x4 register-tiled sgemm on packed B panels (assembly/sgemm.ts) and
 * conv2d (fp32_conv.ts), plus relu / batch_norm_affine / max_pool2d (fp32_elementwise.ts). Operands are
 * copied into reused scratch in wasm memory per call; results are copied back.
 */
import type { Fp32Kernels } from '../types.js';
import { make_wasm_bmm } from './fp32_bmm.js';
import { make_wasm_conv2d } from './fp32_conv.js';
import { make_wasm_conv2d_pytorch_x86 } from './fp32_conv_pytorch.js';
import { make_wasm_fp32_elementwise } from './fp32_elementwise.js';
import { make_wasm_gelu } from './fp32_gelu.js';
import { make_wasm_layer_norm } from './fp32_layer_norm.js';
import { make_wasm_softmax } from './fp32_softmax.js';
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
    // a Linear forward at batch ≥ 4: pack the activations, not the (bigger) weight (2-3.5× at 4..16 rows)
    if (trans_b && !trans_a && m >= GEMV_ROWS && n > m) {
      sgemm_swapped(m, n, k, a, b, c, bias, accumulate);
      return;
    }
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

  /**
   * C = A·Bᵀ (+ bias) as Cᵀ = B·Aᵀ when B ([n, k], a Linear weight) is the bigger operand: B's rows are
   * the GEMM's A rows read in place and only A (the activations) is packed into panels. Each output is
   * still init + Σ_k a·b in k order, so the result is bit-identical to the direct form.
   */
  function sgemm_swapped(
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    bias: Float32Array | null,
    accumulate: boolean,
  ): void {
    const panels = Math.ceil(m / 8) * k * 32;
    heap.begin(scratch_bytes(m * k * 4, k * n * 4, panels, m * n * 4, m * n * 4));
    const ap = heap.take(m * k * 4);
    const bp = heap.take(k * n * 4);
    const xp = heap.take(panels);
    const ct = heap.take(m * n * 4);
    const cp = heap.take(m * n * 4);
    put(a.subarray(0, m * k), ap);
    put(b.subarray(0, k * n), bp);
    wx.pack_b_f32(ap, k, m, 1, xp);
    // Cᵀ starts as (C)ᵀ + bias or bias alone: one bias value per row of Cᵀ
    const cv = new Float32Array(heap.memory.buffer, ct, m * n);
    if (accumulate) {
      put(c.subarray(0, m * n), cp);
      wx.transpose_f32(cp, m, n, ct);
      if (bias) for (let j = 0; j < n; j++) for (let i = j * m; i < (j + 1) * m; i++) cv[i] += bias[j];
    } else if (bias) for (let j = 0; j < n; j++) cv.fill(bias[j], j * m, (j + 1) * m);
    else cv.fill(0);
    wx.sgemm_packed(n, m, k, bp, k, xp, ct, m, 0, 1);
    wx.transpose_f32(ct, n, m, cp);
    c.set(new Float32Array(heap.memory.buffer, cp, m * n));
  }

  return {
    name: 'wasm',
    sgemm,
    conv2d: make_wasm_conv2d(inst),
    conv2d_relu: make_wasm_conv2d(inst, 'auto', true),
    conv2d_pytorch_x86: make_wasm_conv2d_pytorch_x86(inst),
    ...make_wasm_fp32_elementwise(inst),
    softmax_rows: make_wasm_softmax(inst),
    gelu: make_wasm_gelu(inst),
    layer_norm: make_wasm_layer_norm(inst),
    bmm: make_wasm_bmm(inst),
  };
}
