/**
 * Catalogue records of Embedding and EmbeddingBag: weight-only quantization (torch 1.13's
 * _get_embedding_op_configs: weight-only dtype configs, inputs and outputs not observed). Under
 * float_qparams_weight_only_qconfig[_4bit] FX and eager swap them for nn.quantized.Embedding / EmbeddingBag
 * (8-bit or 4-bit row-wise tables); FX leaves them float under any other qconfig (torch's dtype-config mismatch),
 * and eager convert refuses other qconfigs in from_float, as torch's asserts do.
 */
import { Embedding } from '../../nn/layers/misc.js';
import { EmbeddingBag } from '../../nn/layers/upsample_bag.js';
import { Embedding as QEmbedding, EmbeddingBag as QEmbeddingBag } from '../modules/embedding.js';
import type { OpRecord } from './types.js';

export const embedding: OpRecord = {
  name: 'embedding',
  semantics: 'y[i] = weight[indices[i]]; int8: scale[r] · q[r, :] + bias[r] per row r',
  static: [],
  requantizes: false,
  weight_only: [{ name: 'nn.Embedding', float: Embedding, quantized: QEmbedding }],
  eager_static: [{ name: 'nn.Embedding', float: Embedding, quantized: QEmbedding }],
  saved: ['nn.quantized.Embedding', 'nn.Embedding'],
  example: { input: [2, 5], indices: 10, module: () => new Embedding(10, 6) },
};

export const embedding_bag: OpRecord = {
  name: 'embedding_bag',
  semantics: 'y[b] = Σ (or mean, max) over the bag of weight[indices[i]] (· per_sample_weights[i])',
  static: [],
  requantizes: false,
  weight_only: [{ name: 'nn.EmbeddingBag', float: EmbeddingBag, quantized: QEmbeddingBag }],
  eager_static: [{ name: 'nn.EmbeddingBag', float: EmbeddingBag, quantized: QEmbeddingBag }],
  saved: ['nn.quantized.EmbeddingBag', 'nn.EmbeddingBag'],
  example: { input: [3, 4], indices: 9, module: () => new EmbeddingBag(9, 6, { mode: 'sum' }) },
};

/** This family's records, in table order. */
export const EMBEDDING_RECORDS: readonly OpRecord[] = [embedding, embedding_bag];
