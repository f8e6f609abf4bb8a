/**
 * The js reference of the quantized embedding-bag lookup (see ../../types.ts Int8Kernels.qembedding_bag):
 * torch 1.13's fused row-wise tables (float32 scale / bias for 8 bits, float16 for 4 bits) and fbgemm's
 * accumulation acc = fma(scale, q, acc + bias), with the fused multiply-add rounded once to float32.
 */
import type { QEmbeddingBagParams } from '../../types.js';
import { fma_f32 } from '../fp32/fma.js';

const fround = Math.fround;
/** The float value of IEEE half-precision bits `h`. */
export function f16_value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (e === 0 ? m * 2 ** -24 : (1024 + m) * 2 ** (e - 25));
}

/** Bytes of one packed row. */
export function packed_row_bytes(dim: number, bits: 8 | 4): number {
  return bits === 8 ? dim + 8 : dim / 2 + 4;
}

/** Throws unless the table, indices, offsets and weights are well formed; returns the number of bags. */
export function check_qembedding_bag(
  table: Uint8Array,
  indices: Int32Array,
  p: QEmbeddingBagParams,
  y: Float32Array | undefined,
  op: string,
): number {
  const { rows, dim, bits, offsets } = p;
  if (bits !== 8 && bits !== 4) throw new Error(`${op}: bits must be 8 or 4, got ${bits}`);
  if (!(Number.isInteger(rows) && rows >= 1 && Number.isInteger(dim) && dim >= 1))
    throw new Error(`${op}: rows ${rows} and dim ${dim} must be whole numbers ≥ 1`);
  if (bits === 4 && dim % 2) throw new Error(`${op}: a 4-bit table needs an even dim, got ${dim}`);
  if (!(table instanceof Uint8Array) || table.length !== rows * packed_row_bytes(dim, bits))
    throw new Error(`${op}: table has ${table?.length} bytes, expected ${rows}·${packed_row_bytes(dim, bits)}`);
  if (!(indices instanceof Int32Array)) throw new Error(`${op}: indices must be an Int32Array`);
  for (let i = 0; i < indices.length; i++)
    if (indices[i] < 0 || indices[i] >= rows)
      throw new Error(`${op}: index ${indices[i]} at position ${i} is out of range 0..${rows - 1}`);
  if (!(offsets instanceof Int32Array) || offsets.length < 1)
    throw new Error(`${op}: offsets must be a non-empty Int32Array`);
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== indices.length)
    throw new Error(`${op}: offsets must run from 0 to the number of indices (${indices.length})`);
  for (let b = 1; b < offsets.length; b++)
    if (offsets[b] < offsets[b - 1]) throw new Error(`${op}: offsets must be non-decreasing (at bag ${b - 1})`);
  if (p.mode !== 'sum' && p.mode !== 'mean' && p.mode !== 'max') throw new Error(`${op}: unknown mode ${p.mode}`);
  const w = p.per_sample_weights;
  if (w !== null) {
    if (p.mode !== 'sum')
      throw new Error(`${op}: per_sample_weights are only supported for mode 'sum', got '${p.mode}'`);
    if (!(w instanceof Float32Array) || w.length !== indices.length)
      throw new Error(`${op}: per_sample_weights must be a Float32Array of ${indices.length} values`);
  }
  if (!Number.isInteger(p.padding_idx) || p.padding_idx < -1 || p.padding_idx >= rows)
    throw new Error(`${op}: padding_idx ${p.padding_idx} must be −1 or a row`);
  const bags = offsets.length - 1;
  if (y && y.length !== bags * dim)
    throw new Error(`${op}: output buffer has ${y.length} values, expected ${bags * dim}`);
  return bags;
}

/** A row's (scale, bias) and its quantized value at column j. */
function row_reader(table: Uint8Array, dim: number, bits: 8 | 4) {
  const rb = packed_row_bytes(dim, bits);
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const scale_bias = (row: number): [number, number] => {
    const o = row * rb + (bits === 8 ? dim : dim / 2);
    return bits === 8
      ? [view.getFloat32(o, true), view.getFloat32(o + 4, true)]
      : [f16_value(view.getUint16(o, true)), f16_value(view.getUint16(o + 2, true))];
  };
  const q =
    bits === 8
      ? (row: number, j: number) => table[row * rb + j]
      : (row: number, j: number) => (table[row * rb + (j >> 1)] >> ((j & 1) * 4)) & 15;
  return { scale_bias, q };
}

export function qembedding_bag(
  table: Uint8Array,
  indices: Int32Array,
  p: QEmbeddingBagParams,
  y?: Float32Array,
): Float32Array {
  const bags = check_qembedding_bag(table, indices, p, y, 'js.qembedding_bag');
  const { dim, offsets, mode, per_sample_weights: w, padding_idx } = p;
  const out = y ?? new Float32Array(bags * dim);
  const { scale_bias, q } = row_reader(table, dim, p.bits);
  const acc = new Float32Array(dim);
  for (let b = 0; b < bags; b++) {
    acc.fill(mode === 'max' ? Number.NEGATIVE_INFINITY : 0);
    let count = 0;
    for (let i = offsets[b]; i < offsets[b + 1]; i++) {
      const row = indices[i];
      if (row === padding_idx) continue;
      count++;
      const [s0, b0] = scale_bias(row);
      const wt = w ? w[i] : 1;
      const scale = fround(wt * s0);
      const bias = fround(wt * b0);
      if (mode === 'max') {
        for (let j = 0; j < dim; j++) {
          const v = fma_f32(scale, q(row, j), bias);
          if (v > acc[j]) acc[j] = v;
        }
      } else for (let j = 0; j < dim; j++) acc[j] = fma_f32(scale, q(row, j), fround(acc[j] + bias));
    }
    const o = b * dim;
    if (count === 0) out.fill(0, o, o + dim);
    else if (mode === 'mean') {
      const inv = fround(1 / count);
      for (let j = 0; j < dim; j++) out[o + j] = fround(acc[j] * inv);
    } else out.set(acc, o);
  }
  return out;
}
