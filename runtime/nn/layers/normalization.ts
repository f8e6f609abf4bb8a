/** BatchNorm1d/2d and LayerNorm modules with torch's parameters, buffers and running-stat bookkeeping. */
import { Tensor } from '../../tensor/tensor.js';
import { fmt, is_concrete, py_bool, py_float, py_tuple } from '../functional/_util.js';
import { batch_norm, layer_norm } from '../functional/normalization.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/** Options of the BatchNorm modules. momentum null = cumulative moving average (1 / num_batches_tracked). */
export interface BatchNormLayerOptions {
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  track_running_stats?: boolean;
}

/**
 * The running-statistics buffers of torch's _NormBase, in state_dict order: running_mean 0 and running_var 1
 * (float32 [n]), num_batches_tracked 0 (int64, shape []); null buffers when not tracking.
 */
export function register_running_stats(m: Module, num_features: number, track: boolean): void {
  const n = num_features;
  m.register_buffer('running_mean', track ? new Tensor(new Float32Array(n), [n], 'float32') : null);
  m.register_buffer('running_var', track ? new Tensor(new Float32Array(n).fill(1), [n], 'float32') : null);
  m.register_buffer('num_batches_tracked', track ? new Tensor(new Float64Array(1), [], 'int64') : null);
}

/**
 * torch's _BatchNorm: weight/bias (affine) then buffers running_mean, running_var and
 * num_batches_tracked (int64, shape []), in that state_dict order.
 */
export abstract class _BatchNorm extends Module {
  num_features: number;
  eps: number;
  momentum: number | null;
  affine: boolean;
  track_running_stats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(num_features: number, options: BatchNormLayerOptions = {}) {
    super();
    this.num_features = num_features;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.track_running_stats = options.track_running_stats ?? true;
    this.weight = this.affine
      ? new Parameter(new Tensor(new Float32Array(num_features).fill(1), [num_features], 'float32'))
      : null;
    this.bias = this.affine
      ? new Parameter(new Tensor(new Float32Array(num_features), [num_features], 'float32'))
      : null;
    register_running_stats(this, num_features, this.track_running_stats);
  }

  /** Zeroes the running statistics (mean 0, var 1, count 0). */
  reset_running_stats(): void {
    if (!this.track_running_stats) return;
    this.running_mean?.data.fill(0);
    this.running_var?.data.fill(1);
    this.num_batches_tracked?.data.fill(0);
  }

  /** Throws unless the input has this layer's layout. */
  protected abstract _check_input_dim(input: Tensor): void;

  forward(input: Tensor): Tensor {
    if (is_concrete(input)) this._check_input_dim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.track_running_stats && this.num_batches_tracked) {
      this.num_batches_tracked.data[0] += 1;
      if (this.momentum === null) factor = 1 / this.num_batches_tracked.data[0];
    }
    // eval without running stats falls back to batch statistics, as torch does
    const bn_training = this.training || (this.running_mean === null && this.running_var === null);
    const use_running = !this.training || this.track_running_stats;
    return batch_norm(input, use_running ? this.running_mean : null, use_running ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: bn_training,
      momentum: factor,
      eps: this.eps,
    });
  }

  extra_repr(): string {
    const m = this.momentum === null ? 'None' : py_float(this.momentum);
    return `${this.num_features}, eps=${py_float(this.eps)}, momentum=${m}, affine=${py_bool(this.affine)}, track_running_stats=${py_bool(this.track_running_stats)}`;
  }
}

/** nn.BatchNorm1d(num_features, {eps, momentum, affine, track_running_stats}): input [N, C] or [N, C, L]. */
export class BatchNorm1d extends _BatchNorm {
  protected _check_input_dim(input: Tensor): void {
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[1] !== this.num_features) {
      throw new Error(
        `BatchNorm1d: expected input [N, ${this.num_features}] or [N, ${this.num_features}, L], got ${fmt(input.shape)}`,
      );
    }
  }
}

/** nn.BatchNorm2d(num_features, {eps, momentum, affine, track_running_stats}): input [N, C, H, W]. */
export class BatchNorm2d extends _BatchNorm {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  protected _check_input_dim(input: Tensor): void {
    if (input.ndim !== 4 || input.shape[1] !== this.num_features) {
      throw new Error(`BatchNorm2d: expected input [N, ${this.num_features}, H, W], got ${fmt(input.shape)}`);
    }
  }
}

/** Options of nn.LayerNorm. */
export interface LayerNormLayerOptions {
  eps?: number;
  elementwise_affine?: boolean;
  bias?: boolean;
}

/** nn.LayerNorm(normalized_shape, {eps=1e-5, elementwise_affine=true, bias=true}). */
export class LayerNorm extends Module {
  normalized_shape: number[];
  eps: number;
  elementwise_affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalized_shape: number | readonly number[], options: LayerNormLayerOptions = {}) {
    super();
    this.normalized_shape = typeof normalized_shape === 'number' ? [normalized_shape] : [...normalized_shape];
    this.eps = options.eps ?? 1e-5;
    this.elementwise_affine = options.elementwise_affine ?? true;
    const n = this.normalized_shape.reduce((a, b) => a * b, 1);
    const shape = this.normalized_shape;
    this.weight = this.elementwise_affine
      ? new Parameter(new Tensor(new Float32Array(n).fill(1), shape, 'float32'))
      : null;
    this.bias =
      this.elementwise_affine && (options.bias ?? true)
        ? new Parameter(new Tensor(new Float32Array(n), shape, 'float32'))
        : null;
  }

  forward(input: Tensor): Tensor {
    return layer_norm(input, this.normalized_shape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  extra_repr(): string {
    return `${py_tuple(this.normalized_shape)}, eps=${py_float(this.eps)}, elementwise_affine=${py_bool(this.elementwise_affine)}`;
  }
}
