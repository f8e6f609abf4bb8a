/**
 * The js reference RnnKernels: dynamic activation quantization (min/max, quantize, dequantize + bias) and
 * the fused float32 LSTM cell. The quantization numerics are torch's (qnnpack dynamic linear) and the wasm
 * kernels (backends/wasm/assembly/dynamic_quant.ts, rnn.ts) must reproduce them bit for bit.
 */
import type { RnnKernels } from '../types.js';
import { rne } from './int8/numerics.js';
import { js_int8 } from './int8.js';
import { linear_dynamic_reference } from './linear_dynamic.js';

const fround = Math.fround;

/** fround(1 / (1 + fround(exp(−x)))), every step in float32 (torch's float sigmoid). */
export function sigmoid_f32(x: number): number {
  return fround(1 / fround(1 + fround(Math.exp(-x))));
}

/** fround(tanh(x)). */
export function tanh_f32(x: number): number {
  return fround(Math.tanh(x));
}

function minmax(x: Float32Array): [number, number] {
  if (x.length === 0) return [0, 0];
  let lo = x[0];
  let hi = x[0];
  for (let i = 1; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) return [Number.NaN, Number.NaN];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isNaN(lo) ? [Number.NaN, Number.NaN] : [lo, hi];
}

function quantize_u8(x: Float32Array, scale: number, zero_point: number, y?: Uint8Array): Uint8Array {
  const out = y ?? new Uint8Array(x.length);
  if (out.length < x.length) throw new Error(`js.quantize_u8: output has ${out.length} elements, needs ${x.length}`);
  const inv = fround(1 / fround(scale));
  for (let i = 0; i < x.length; i++) {
    const q = zero_point + rne(fround(x[i] * inv));
    out[i] = Math.min(Math.max(q, 0), 255);
  }
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
  if (acc.length < m * n) throw new Error(`js.dequant_bias: acc has ${acc.length} elements, needs m·n = ${m}·${n}`);
  if (w_scales.length < n) throw new Error(`js.dequant_bias: w_scales has ${w_scales.length} entries, needs n = ${n}`);
  if (bias && bias.length < n) throw new Error(`js.dequant_bias: bias has ${bias.length} entries, needs n = ${n}`);
  const out = y ?? new Float32Array(m * n);
  const mult = new Float32Array(n);
  for (let c = 0; c < n; c++) mult[c] = fround(x_scale * w_scales[c]);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < n; c++) {
      const v = fround(fround(acc[r * n + c]) * mult[c]);
      out[r * n + c] = bias ? fround(v + bias[c]) : v;
    }
  }
  return out;
}

function lstm_cell(gx: Float32Array, gh: Float32Array, c: Float32Array, h: Float32Array, n: number, H: number): void {
  const G = 4 * H;
  if (gx.length < n * G || gh.length < n * G || c.length < n * H || h.length < n * H)
    throw new Error(
      `js.lstm_cell: need gx, gh of ${n}·${G} and c, h of ${n}·${H}, got ${gx.length}, ${gh.length}, ${c.length}, ${h.length}`,
    );
  for (let r = 0; r < n; r++) {
    const g0 = r * G;
    const s0 = r * H;
    for (let j = 0; j < H; j++) {
      const a = g0 + j;
      const i = sigmoid_f32(fround(gx[a] + gh[a]));
      const f = sigmoid_f32(fround(gx[a + H] + gh[a + H]));
      const g = tanh_f32(fround(gx[a + 2 * H] + gh[a + 2 * H]));
      const o = sigmoid_f32(fround(gx[a + 3 * H] + gh[a + 3 * H]));
      const cy = fround(fround(f * c[s0 + j]) + fround(i * g));
      c[s0 + j] = cy;
      h[s0 + j] = fround(o * tanh_f32(cy));
    }
  }
}

/** The js reference RnnKernels. */
const parts = { name: 'js', minmax, quantize_u8, dequant_bias };
export const js_rnn: RnnKernels = {
  ...parts,
  linear_dynamic: (x, m, w, w_scales, bias, relu, y) =>
    linear_dynamic_reference(js_int8, parts, x, m, w, w_scales, bias, relu, y),
  lstm_cell,
  lstm_layers: null,
};
