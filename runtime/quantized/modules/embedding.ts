/**
 * nn.quantized.Embedding and nn.quantized.EmbeddingBag (torch.ao.nn.quantized): weight-only quantized tables,
 * float32 out. The table is torch's fused row-wise layout (embedding_pack.ts): 8 bits with float32 scale / bias
 * per row, or 4 bits (quint4x2) with float16 ones. torch keeps it in `_packed_params` (an opaque object); here it
 * is the plain uint8 buffer `_packed_weight` [rows, columns], the same bytes.
 */

import { packed_row_bytes } from '../../backends/js/int8/embedding_bag.js';
import { Module } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
import { prepack_rows, quantize_rows } from '../embedding_pack.js';
import {
  embedding_4bit,
  embedding_bag_4bit_rowwise_offsets,
  embedding_bag_byte_rowwise_offsets,
  embedding_byte,
} from '../functional/embedding.js';
import { qconfig_of } from './from_float.js';

type Slots = Record<string, unknown>;
/** The table dtypes: quint8 (8 bits a value) and quint4x2 (two 4-bit values a byte). */
export type EmbeddingDType = 'quint8' | 'quint4x2';

const bits_of = (dtype: EmbeddingDType): 8 | 4 => (dtype === 'quint8' ? 8 : 4);

/** Shared by the two modules: sizes, dtype, the packed table buffer, torch's repr and from_float. */
abstract class _QEmbeddingBase extends Module {
  num_embeddings: number;
  embedding_dim: number;
  dtype: EmbeddingDType;
  declare _packed_weight: Tensor;
  constructor(num_embeddings: number, embedding_dim: number, dtype: EmbeddingDType, where: string) {
    super();
    if (
      !(
        Number.isInteger(num_embeddings) &&
        num_embeddings >= 1 &&
        Number.isInteger(embedding_dim) &&
        embedding_dim >= 1
      )
    )
      throw new Error(
        `${where}: num_embeddings ${num_embeddings} and embedding_dim ${embedding_dim} must be whole numbers ≥ 1`,
      );
    if (dtype !== 'quint8' && dtype !== 'quint4x2')
      throw new Error(`${where}: the only supported dtypes are quint8 and quint4x2, got ${dtype}`);
    if (dtype === 'quint4x2' && embedding_dim % 2)
      throw new Error(
        `${where}: quint4x2 packs two values a byte, so embedding_dim must be even, got ${embedding_dim}`,
      );
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    this.dtype = dtype;
    // torch starts from an empty table (scale 1, zero point 0): zeros here
    const cols = packed_row_bytes(embedding_dim, bits_of(dtype));
    const q = new Uint8Array(num_embeddings * embedding_dim);
    const ones = new Float32Array(num_embeddings).fill(1);
    const table = prepack_rows(
      q,
      num_embeddings,
      embedding_dim,
      ones,
      new Float32Array(num_embeddings),
      bits_of(dtype),
    );
    this.register_buffer('_packed_weight', new Tensor(table, [num_embeddings, cols], 'uint8'));
  }
  /** Packs quantized values `q` (one per element, row-major) with each row's float scale and zero point. */
  set_weight(q: Uint8Array, scales: Float32Array, zero_points: Float32Array): void {
    const [n, d] = [this.num_embeddings, this.embedding_dim];
    if (q.length !== n * d || scales.length !== n || zero_points.length !== n)
      throw new Error(`${this.constructor.name}.set_weight: expected ${n}·${d} values and ${n} scales / zero points`);
    const table = prepack_rows(q, n, d, scales, zero_points, bits_of(this.dtype));
    this.register_buffer('_packed_weight', new Tensor(table, [n, packed_row_bytes(d, bits_of(this.dtype))], 'uint8'));
  }
  extra_repr(): string {
    return `num_embeddings=${this.num_embeddings}, embedding_dim=${this.embedding_dim}, dtype=torch.${this.dtype}, qscheme=torch.per_channel_affine_float_qparams`;
  }
}

/**
 * torch's from_float checks: a qconfig whose weight observer uses per_channel_affine_float_qparams with dtype
 * quint8 or quint4x2 (float_qparams_weight_only_qconfig[_4bit]); then the rows are observed and quantized.
 */
function quantize_table(
  mod: Module,
  where: string,
): { dtype: EmbeddingDType; q: Uint8Array; s: Float32Array; z: Float32Array } {
  const qconfig = qconfig_of(mod, where);
  const obs = qconfig.weight();
  if (obs.qscheme !== 'per_channel_affine_float_qparams')
    throw new Error(
      `${where}.from_float: Embedding quantization is only supported with float_qparams_weight_only_qconfig (got a weight observer with qscheme ${obs.qscheme})`,
    );
  const dtype = obs.dtype as EmbeddingDType;
  if (dtype !== 'quint8' && dtype !== 'quint4x2')
    throw new Error(
      `${where}.from_float: the only supported dtypes for nnq.${where} are quint8 and quint4x2, got ${obs.dtype}`,
    );
  const w = (mod as unknown as Slots).weight as Tensor;
  obs.forward(w);
  const [scale, zp] = obs.calculate_qparams();
  const [rows, dim] = w.shape;
  const s = Float32Array.from(scale.data);
  const z = Float32Array.from(zp.data);
  const q = quantize_rows(w.contiguous().data as Float32Array, rows, dim, s, z, dtype === 'quint8' ? 255 : 15);
  return { dtype, q, s, z };
}

/** nn.quantized.Embedding(num_embeddings, embedding_dim, {padding_idx, dtype='quint8'}): row lookups, float out. */
export class Embedding extends _QEmbeddingBase {
  padding_idx: number | null;
  constructor(
    num_embeddings: number,
    embedding_dim: number,
    options: { padding_idx?: number | null; dtype?: EmbeddingDType } = {},
  ) {
    super(num_embeddings, embedding_dim, options.dtype ?? 'quint8', 'Embedding');
    this.padding_idx = options.padding_idx ?? null;
  }
  forward(indices: Tensor): Tensor {
    return this.dtype === 'quint8'
      ? embedding_byte(this._packed_weight, indices)
      : embedding_4bit(this._packed_weight, indices);
  }
  /** From a float nn.Embedding with float_qparams_weight_only_qconfig[_4bit] (torch's checks and errors). */
  static from_float(mod: Module): Embedding {
    const { dtype, q, s, z } = quantize_table(mod, 'Embedding');
    const m = mod as unknown as Slots;
    const e = new Embedding(m.num_embeddings as number, m.embedding_dim as number, {
      padding_idx: m.padding_idx as number | null,
      dtype,
    });
    e.set_weight(q, s, z);
    return e;
  }
}

/** Options of nn.quantized.EmbeddingBag (torch's keyword arguments). */
export interface QuantizedEmbeddingBagOptions {
  mode?: 'sum' | 'mean' | 'max';
  include_last_offset?: boolean;
  padding_idx?: number | null;
  dtype?: EmbeddingDType;
}

/** nn.quantized.EmbeddingBag(num_embeddings, embedding_dim, {mode='sum', include_last_offset, padding_idx, dtype}). */
export class EmbeddingBag extends _QEmbeddingBase {
  mode: 'sum' | 'mean' | 'max';
  include_last_offset: boolean;
  padding_idx: number | null;
  constructor(num_embeddings: number, embedding_dim: number, options: QuantizedEmbeddingBagOptions = {}) {
    super(num_embeddings, embedding_dim, options.dtype ?? 'quint8', 'EmbeddingBag');
    this.mode = options.mode ?? 'sum';
    this.include_last_offset = options.include_last_offset ?? false;
    this.padding_idx = options.padding_idx ?? null;
  }
  /** input [B, L] (bags of L) or 1-D with offsets; per_sample_weights with mode 'sum'. */
  forward(input: Tensor, offsets: Tensor | null = null, per_sample_weights: Tensor | null = null): Tensor {
    const o = {
      mode: this.mode,
      per_sample_weights,
      include_last_offset: this.include_last_offset,
      padding_idx: this.padding_idx,
    };
    return this.dtype === 'quint8'
      ? embedding_bag_byte_rowwise_offsets(this._packed_weight, input, offsets, o)
      : embedding_bag_4bit_rowwise_offsets(this._packed_weight, input, offsets, o);
  }
  /** From a float nn.EmbeddingBag with float_qparams_weight_only_qconfig[_4bit] (torch's checks and errors). */
  static from_float(mod: Module): EmbeddingBag {
    const { dtype, q, s, z } = quantize_table(mod, 'EmbeddingBag');
    const m = mod as unknown as Slots;
    const e = new EmbeddingBag(m.num_embeddings as number, m.embedding_dim as number, {
      mode: m.mode as 'sum' | 'mean' | 'max',
      include_last_offset: m.include_last_offset as boolean,
      padding_idx: m.padding_idx as number | null,
      dtype,
    });
    e.set_weight(q, s, z);
    return e;
  }
}
