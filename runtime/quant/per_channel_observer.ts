/**
 * Per-channel range observers: PerChannelMinMaxObserver and MovingAveragePerChannelMinMaxObserver keep one
 * min/max per slice along `ch_axis` (weights: the output-channel axis 0), as PyTorch 1.13.
 */
import { Tensor } from '../tensor/tensor.js';
import { averaging_constant_of, moving_average } from './minmax_observer.js';
import {
  check_observed_input,
  f32,
  type QParamsTensors,
  type UniformObserverOptions,
  UniformQuantizationObserverBase,
} from './observer_base.js';
import { check_min_max_valid, float_qparams } from './qparams.js';

/** Options of the per-channel observers. */
export interface PerChannelObserverOptions extends UniformObserverOptions {
  /** The channel axis (negative counts from the end); default 0. */
  ch_axis?: number;
}

/** Per-channel min and max of `x` along `axis` (already normalised). */
export function channel_aminmax(x: Tensor, axis: number): [Float32Array, Float32Array] {
  const channels = x.shape[axis];
  const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const lo = new Float32Array(channels).fill(Infinity);
  const hi = new Float32Array(channels).fill(-Infinity);
  const d = x.data;
  for (let c = 0; c < channels; c++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let base = c * inner; base < d.length; base += channels * inner) {
      for (let e = base; e < base + inner; e++) {
        const v = d[e];
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
    }
    lo[c] = mn;
    hi[c] = mx;
  }
  return [lo, hi];
}

/**
 * Records the running min/max of each channel. Buffers: eps, min_val [C], max_val [C] (empty until the
 * first batch). qparams are computed per channel with the per_channel_affine/symmetric scheme.
 */
export class PerChannelMinMaxObserver extends UniformQuantizationObserverBase {
  static readonly option_keys: readonly string[] = [...UniformQuantizationObserverBase.option_keys, 'ch_axis'];
  ch_axis: number;
  declare min_val: Tensor;
  declare max_val: Tensor;

  constructor(options: PerChannelObserverOptions = {}) {
    super({ qscheme: 'per_channel_affine', ...options }, [
      'per_channel_affine',
      'per_channel_symmetric',
      'per_channel_affine_float_qparams',
    ]);
    const axis = options.ch_axis ?? 0;
    if (!Number.isInteger(axis)) throw new Error(`${new.target.name}: ch_axis must be an integer, got ${axis}`);
    this.ch_axis = axis;
    if (this.qscheme === 'per_channel_symmetric' && this.reduce_range && this.dtype === 'quint8') {
      throw new Error(`${new.target.name}: cannot reduce range for symmetric quantization with quint8`);
    }
    this.register_buffer('min_val', f32([]));
    this.register_buffer('max_val', f32([]));
  }

  forward(x: Tensor): Tensor {
    const where = this.constructor.name;
    check_observed_input(x, where);
    if (x.numel() === 0) return x;
    const axis = this.ch_axis < 0 ? this.ch_axis + x.ndim : this.ch_axis;
    if (axis < 0 || axis >= x.ndim) {
      throw new Error(
        `${where}.forward: ch_axis ${this.ch_axis} is out of range for input of shape [${x.shape.join(', ')}]`,
      );
    }
    const [lo, hi] = channel_aminmax(x, axis);
    const n = this.min_val.numel();
    if (n === 0) {
      this.register_buffer('min_val', f32(lo));
      this.register_buffer('max_val', f32(hi));
      return x;
    }
    if (n !== lo.length) {
      throw new Error(
        `${where}.forward: input has ${lo.length} channels along axis ${axis} (shape [${x.shape.join(', ')}]) but the observer has seen ${n}`,
      );
    }
    this.update(lo, hi);
    return x;
  }

  /** Folds one batch's per-channel min/max into the state. */
  protected update(lo: Float32Array, hi: Float32Array): void {
    const mn = this.min_val.data;
    const mx = this.max_val.data;
    for (let c = 0; c < lo.length; c++) {
      mn[c] = Math.min(lo[c], mn[c]);
      mx[c] = Math.max(hi[c], mx[c]);
    }
  }

  calculate_qparams(): QParamsTensors {
    if (this.qscheme === 'per_channel_affine_float_qparams') {
      // row-wise float scale and float zero point (embedding weights), torch's per_channel_affine_float_qparams
      check_min_max_valid(this.min_val.data, this.max_val.data, this.constructor.name);
      const n = this.min_val.numel();
      const qp = float_qparams(this.min_val.data, this.max_val.data, this.quant_min, this.quant_max, this.eps.data[0]);
      return [new Tensor(qp.scale, [n], 'float32'), new Tensor(qp.zero_point, [n], 'float32')];
    }
    return this._calculate_qparams(this.min_val.data, this.max_val.data);
  }

  /**
   * Loads min_val / max_val whatever their length (the buffers are empty until the first batch), as
   * torch's _load_from_state_dict resizes them; returns the keys it consumed.
   */
  _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[] {
    const mn = sd[`${prefix}min_val`];
    const mx = sd[`${prefix}max_val`];
    if (!mn || !mx) return [];
    if (mn.numel() !== mx.numel()) {
      throw new Error(
        `load_state_dict: ${prefix}min_val has ${mn.numel()} channels but ${prefix}max_val has ${mx.numel()}`,
      );
    }
    this.register_buffer('min_val', f32(mn.data, [mn.numel()]));
    this.register_buffer('max_val', f32(mx.data, [mx.numel()]));
    return [`${prefix}min_val`, `${prefix}max_val`];
  }

  /** Forgets the recorded ranges. */
  reset_min_max_vals(): void {
    this.register_buffer('min_val', f32([]));
    this.register_buffer('max_val', f32([]));
  }

  extra_repr(): string {
    return `min_val=${this.min_val}, max_val=${this.max_val}`;
  }
}

/** Options of MovingAveragePerChannelMinMaxObserver. */
export interface MovingAveragePerChannelOptions extends PerChannelObserverOptions {
  averaging_constant?: number;
}

/** Per-channel exponential moving average of the batch min/max (first batch sets them). */
export class MovingAveragePerChannelMinMaxObserver extends PerChannelMinMaxObserver {
  static readonly option_keys: readonly string[] = [...PerChannelMinMaxObserver.option_keys, 'averaging_constant'];
  averaging_constant: number;

  constructor(options: MovingAveragePerChannelOptions = {}) {
    super(options);
    this.averaging_constant = averaging_constant_of(options, new.target.name);
  }

  protected update(lo: Float32Array, hi: Float32Array): void {
    const mn = this.min_val.data;
    const mx = this.max_val.data;
    for (let c = 0; c < lo.length; c++) {
      mn[c] = moving_average(mn[c], lo[c], this.averaging_constant);
      mx[c] = moving_average(mx[c], hi[c], this.averaging_constant);
    }
  }
}
