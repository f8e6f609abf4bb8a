/** nn.Upsample (and UpsamplingNearest2d / UpsamplingBilinear2d), nn.ELU and nn.EmbeddingBag: modules over their F ops. */
import { Tensor } from '../../tensor/tensor.js';
import { fmt, is_concrete, py_float, py_tuple } from '../functional/_util.js';
import { elu } from '../functional/elu.js';
import { embedding_bag } from '../functional/embedding_bag.js';
import { interpolate } from '../functional/interpolate.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/** Options of nn.Upsample (torch's arguments). */
export interface UpsampleOptions {
  size?: number | number[] | null;
  scale_factor?: number | number[] | null;
  mode?: 'nearest' | 'bilinear';
  align_corners?: boolean | null;
}

/** nn.Upsample({size | scale_factor, mode='nearest', align_corners}): F.interpolate with fixed arguments; no state. */
export class Upsample extends Module {
  size: number | number[] | null;
  scale_factor: number | number[] | null;
  mode: 'nearest' | 'bilinear';
  align_corners: boolean | null;

  constructor(options: UpsampleOptions = {}) {
    super();
    this.size = options.size ?? null;
    this.scale_factor = options.scale_factor ?? null;
    this.mode = options.mode ?? 'nearest';
    this.align_corners = options.align_corners ?? null;
  }

  forward(input: Tensor): Tensor {
    const o: UpsampleOptions = { mode: this.mode };
    if (this.size !== null) o.size = this.size;
    if (this.scale_factor !== null) o.scale_factor = this.scale_factor;
    if (this.align_corners !== null) o.align_corners = this.align_corners;
    return interpolate(input, o);
  }

  extra_repr(): string {
    const v = (x: number | number[]) => (typeof x === 'number' ? py_float(x) : `(${x.map(py_float).join(', ')})`);
    const size = this.size;
    const what =
      this.scale_factor !== null
        ? `scale_factor=${v(this.scale_factor)}`
        : `size=${typeof size === 'number' ? size : py_tuple(size ?? [])}`;
    return `${what}, mode='${this.mode}'`;
  }
}

/** nn.UpsamplingNearest2d({size | scale_factor}): Upsample with mode 'nearest'. */
export class UpsamplingNearest2d extends Upsample {
  constructor(options: { size?: number | number[] | null; scale_factor?: number | number[] | null } = {}) {
    super({ ...options, mode: 'nearest' });
  }
}

/** nn.UpsamplingBilinear2d({size | scale_factor}): Upsample with mode 'bilinear' and align_corners true. */
export class UpsamplingBilinear2d extends Upsample {
  constructor(options: { size?: number | number[] | null; scale_factor?: number | number[] | null } = {}) {
    super({ ...options, mode: 'bilinear', align_corners: true });
  }
}

/** nn.ELU(alpha=1.0, {inplace}). */
export class ELU extends Module {
  alpha: number;
  inplace: boolean;
  constructor(alpha = 1, options: { inplace?: boolean } = {}) {
    super();
    this.alpha = alpha;
    this.inplace = options.inplace ?? false;
  }
  forward(input: Tensor): Tensor {
    return elu(input, { alpha: this.alpha });
  }
  extra_repr(): string {
    return `alpha=${py_float(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** Options of nn.EmbeddingBag (torch's keyword arguments; max_norm and sparse gradients are not implemented). */
export interface EmbeddingBagLayerOptions {
  mode?: 'sum' | 'mean' | 'max';
  include_last_offset?: boolean;
  padding_idx?: number | null;
}

/** nn.EmbeddingBag(num_embeddings, embedding_dim, {mode='mean', include_last_offset, padding_idx}): weight ~ N(0, 1). */
export class EmbeddingBag extends Module {
  num_embeddings: number;
  embedding_dim: number;
  mode: 'sum' | 'mean' | 'max';
  include_last_offset: boolean;
  padding_idx: number | null;
  weight: Parameter;

  constructor(num_embeddings: number, embedding_dim: number, options: EmbeddingBagLayerOptions = {}) {
    super();
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    this.mode = options.mode ?? 'mean';
    this.include_last_offset = options.include_last_offset ?? false;
    let pad = options.padding_idx ?? null;
    if (pad !== null) {
      if (pad < -num_embeddings || pad >= num_embeddings)
        throw new Error(`EmbeddingBag: padding_idx ${pad} must be within num_embeddings (${num_embeddings})`);
      if (pad < 0) pad += num_embeddings;
    }
    this.padding_idx = pad;
    this.weight = new Parameter(Tensor.empty([num_embeddings, embedding_dim]));
    this.reset_parameters();
  }

  /** N(0, 1), then zeroes the padding row. */
  reset_parameters(): void {
    normal_(this.weight);
    if (this.padding_idx !== null)
      this.weight.data.fill(0, this.padding_idx * this.embedding_dim, (this.padding_idx + 1) * this.embedding_dim);
  }

  /** input [B, L], or 1-d with `offsets`; per_sample_weights with mode 'sum'. */
  forward(input: Tensor, offsets: Tensor | null = null, per_sample_weights: Tensor | null = null): Tensor {
    if (is_concrete(input) && input.dtype !== 'int64' && input.dtype !== 'int32')
      throw new Error(`EmbeddingBag: expected an int64 index tensor, got ${input.dtype} of shape ${fmt(input.shape)}`);
    return embedding_bag(input, this.weight, {
      offsets,
      mode: this.mode,
      per_sample_weights,
      include_last_offset: this.include_last_offset,
      padding_idx: this.padding_idx,
    });
  }

  extra_repr(): string {
    // torch's repr names neither include_last_offset nor sparse
    const pad = this.padding_idx !== null ? `, padding_idx=${this.padding_idx}` : '';
    return `${this.num_embeddings}, ${this.embedding_dim}, mode=${this.mode}${pad}`;
  }
}
