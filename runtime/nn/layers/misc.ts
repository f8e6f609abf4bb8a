/** Flatten, Dropout and Embedding modules. */
import { Tensor } from '../../tensor/tensor.js';
import { fmt, is_concrete, py_bool, py_float } from '../functional/_util.js';
import { dropout } from '../functional/dropout.js';
import { embedding } from '../functional/embedding.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/** nn.Flatten(start_dim=1, end_dim=-1): calls the tensor's flatten method, as torch does. */
export class Flatten extends Module {
  start_dim: number;
  end_dim: number;
  constructor(start_dim = 1, end_dim = -1) {
    super();
    this.start_dim = start_dim;
    this.end_dim = end_dim;
  }
  forward(input: Tensor): Tensor {
    return input.flatten(this.start_dim, this.end_dim);
  }
  extra_repr(): string {
    return `start_dim=${this.start_dim}, end_dim=${this.end_dim}`;
  }
}

/** nn.Dropout(p=0.5, {inplace}): random zeroing in training mode (default generator), identity in eval. */
export class Dropout extends Module {
  p: number;
  inplace: boolean;
  constructor(p = 0.5, options: { inplace?: boolean } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return dropout(input, { p: this.p, training: this.training });
  }
  extra_repr(): string {
    return `p=${py_float(this.p)}, inplace=${py_bool(this.inplace)}`;
  }
}

/** Options of nn.Embedding. */
export interface EmbeddingLayerOptions {
  padding_idx?: number | null;
}

/** nn.Embedding(num_embeddings, embedding_dim, {padding_idx}): weight ~ N(0, 1), the padding row zero. */
export class Embedding extends Module {
  num_embeddings: number;
  embedding_dim: number;
  padding_idx: number | null;
  weight: Parameter;

  constructor(num_embeddings: number, embedding_dim: number, options: EmbeddingLayerOptions = {}) {
    super();
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    let pad = options.padding_idx ?? null;
    if (pad !== null) {
      if (pad < -num_embeddings || pad >= num_embeddings) {
        throw new Error(`Embedding: padding_idx ${pad} must be within num_embeddings (${num_embeddings})`);
      }
      if (pad < 0) pad += num_embeddings;
    }
    this.padding_idx = pad;
    this.weight = new Parameter(Tensor.empty([num_embeddings, embedding_dim]));
    this.reset_parameters();
  }

  /** nn.Embedding.from_pretrained(embeddings, {freeze=true, padding_idx}): wraps a copy of a [num, dim] table. */
  static from_pretrained(embeddings: Tensor, options: EmbeddingLayerOptions & { freeze?: boolean } = {}): Embedding {
    if (embeddings.ndim !== 2) {
      throw new Error(
        `Embedding.from_pretrained: embeddings must be 2-d [num_embeddings, embedding_dim], got ${fmt(embeddings.shape)}`,
      );
    }
    const [num, dim] = embeddings.shape;
    const e = new Embedding(num, dim, { padding_idx: options.padding_idx });
    e.weight.data.set(embeddings.data);
    e.weight.requires_grad = !(options.freeze ?? true);
    return e;
  }

  /** N(0, 1), then zeroes the padding row. */
  reset_parameters(): void {
    normal_(this.weight);
    if (this.padding_idx !== null)
      this.weight.data.fill(0, this.padding_idx * this.embedding_dim, (this.padding_idx + 1) * this.embedding_dim);
  }

  forward(input: Tensor): Tensor {
    if (is_concrete(input) && input.dtype !== 'int64' && input.dtype !== 'int32') {
      throw new Error(`Embedding: expected an int64 index tensor, got ${input.dtype} of shape ${fmt(input.shape)}`);
    }
    return embedding(input, this.weight, { padding_idx: this.padding_idx });
  }

  extra_repr(): string {
    return `${this.num_embeddings}, ${this.embedding_dim}${this.padding_idx !== null ? `, padding_idx=${this.padding_idx}` : ''}`;
  }
}
