/** GroupNorm and InstanceNorm1d/2d modules with torch's parameters, buffers and defaults. */
import { Tensor } from '../../tensor/tensor.js';
import { fmt, is_concrete, py_bool, py_float } from '../functional/_util.js';
import { group_norm, instance_norm } from '../functional/group_norm.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { register_running_stats } from './normalization.js';

const ones = (n: number) => new Tensor(new Float32Array(n).fill(1), [n], 'float32');
const zeros = (n: number) => new Tensor(new Float32Array(n), [n], 'float32');

/** nn.GroupNorm(num_groups, num_channels, {eps=1e-5, affine=true}): weight 1, bias 0, each [C]. */
export class GroupNorm extends Module {
  num_groups: number;
  num_channels: number;
  eps: number;
  affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(num_groups: number, num_channels: number, options: { eps?: number; affine?: boolean } = {}) {
    super();
    if (!(Number.isInteger(num_groups) && num_groups >= 1) || num_channels % num_groups !== 0)
      throw new Error(`GroupNorm: num_channels (${num_channels}) must be divisible by num_groups (${num_groups})`);
    this.num_groups = num_groups;
    this.num_channels = num_channels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = this.affine ? new Parameter(ones(num_channels)) : null;
    this.bias = this.affine ? new Parameter(zeros(num_channels)) : null;
  }

  forward(input: Tensor): Tensor {
    return group_norm(input, this.num_groups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  extra_repr(): string {
    return `${this.num_groups}, ${this.num_channels}, eps=${py_float(this.eps)}, affine=${py_bool(this.affine)}`;
  }
}

/** Options of the InstanceNorm modules (torch's defaults: affine and track_running_stats false). */
export interface InstanceNormLayerOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  track_running_stats?: boolean;
}

/**
 * torch's _InstanceNorm: weight/bias (affine) then running_mean, running_var, num_batches_tracked
 * (track_running_stats), in that state_dict order. Training, or eval without running statistics,
 * normalises each instance by its own statistics.
 */
export abstract class _InstanceNorm extends Module {
  num_features: number;
  eps: number;
  momentum: number;
  affine: boolean;
  track_running_stats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(num_features: number, options: InstanceNormLayerOptions = {}) {
    super();
    this.num_features = num_features;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.affine = options.affine ?? false;
    this.track_running_stats = options.track_running_stats ?? false;
    this.weight = this.affine ? new Parameter(ones(num_features)) : null;
    this.bias = this.affine ? new Parameter(zeros(num_features)) : null;
    register_running_stats(this, num_features, this.track_running_stats);
  }

  /** The number of dims of a batched input (3 for InstanceNorm1d, 4 for InstanceNorm2d). */
  protected abstract readonly input_dims: number;

  forward(input: Tensor): Tensor {
    // an unbatched input [C, ...] runs as a batch of one, as torch's _handle_no_batch_input
    if (is_concrete(input) && input.ndim === this.input_dims - 1) return this.forward(input.unsqueeze(0)).squeeze(0);
    if (is_concrete(input) && (input.ndim !== this.input_dims || input.shape[1] !== this.num_features)) {
      const what = this.input_dims === 4 ? 'H, W' : 'L';
      throw new Error(
        `${this.constructor.name}: expected input [N, ${this.num_features}, ${what}], got ${fmt(input.shape)}`,
      );
    }
    return instance_norm(input, {
      running_mean: this.running_mean,
      running_var: this.running_var,
      weight: this.weight,
      bias: this.bias,
      use_input_stats: this.training || !this.track_running_stats,
      momentum: this.momentum,
      eps: this.eps,
    });
  }

  extra_repr(): string {
    return `${this.num_features}, eps=${py_float(this.eps)}, momentum=${py_float(this.momentum)}, affine=${py_bool(this.affine)}, track_running_stats=${py_bool(this.track_running_stats)}`;
  }
}

/** nn.InstanceNorm1d(num_features, {eps, momentum, affine=false, track_running_stats=false}): input [N, C, L]. */
export class InstanceNorm1d extends _InstanceNorm {
  protected readonly input_dims = 3;
}

/** nn.InstanceNorm2d(num_features, {eps, momentum, affine=false, track_running_stats=false}): input [N, C, H, W]. */
export class InstanceNorm2d extends _InstanceNorm {
  protected readonly input_dims = 4;
}
