/**
 * Per-tensor running-range observers: MinMaxObserver (global min/max over everything seen) and
 * MovingAverageMinMaxObserver (exponential moving average of per-batch min/max), as PyTorch 1.13.
 */

import type { Tensor } from '../tensor/tensor.js';
import { py_float } from '../tensor/tensor_str.js';
import { set_default_dynamic_weight_observer } from './default_dynamic_weight.js';
import {
  check_observed_input,
  f32,
  type QParamsTensors,
  type UniformObserverOptions,
  UniformQuantizationObserverBase,
} from './observer_base.js';

const f = Math.fround;

/** min and max of a float array (NaN-free: checked before). */
export function aminmax(d: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * Records the running minimum and maximum of every tensor it sees; qparams map [min, max]
 * (widened to include 0) onto [quant_min, quant_max]. Buffers: eps, min_val, max_val.
 */
export class MinMaxObserver extends UniformQuantizationObserverBase {
  declare min_val: Tensor;
  declare max_val: Tensor;

  constructor(options: UniformObserverOptions = {}) {
    super(options, ['per_tensor_affine', 'per_tensor_symmetric']);
    if (this.qscheme === 'per_tensor_symmetric' && this.reduce_range && this.dtype === 'quint8') {
      throw new Error(`${new.target.name}: cannot reduce range for symmetric quantization with quint8`);
    }
    this.register_buffer('min_val', f32([Infinity], []));
    this.register_buffer('max_val', f32([-Infinity], []));
  }

  forward(x: Tensor): Tensor {
    check_observed_input(x, this.constructor.name);
    if (x.numel() === 0) return x;
    const [lo, hi] = aminmax(x.data);
    this.update(lo, hi);
    return x;
  }

  /** Folds one batch's min/max into the state. */
  protected update(lo: number, hi: number): void {
    this.min_val.data[0] = Math.min(lo, this.min_val.data[0]);
    this.max_val.data[0] = Math.max(hi, this.max_val.data[0]);
  }

  calculate_qparams(): QParamsTensors {
    return this._calculate_qparams(this.min_val.data, this.max_val.data);
  }

  /** Resets the recorded range (torch's reset_min_max_vals). */
  reset_min_max_vals(): void {
    this.min_val.data[0] = Infinity;
    this.max_val.data[0] = -Infinity;
  }

  extra_repr(): string {
    return `min_val=${py_float(this.min_val.data[0])}, max_val=${py_float(this.max_val.data[0])}`;
  }
}

/** Options of the moving-average observers. */
export interface MovingAverageOptions extends UniformObserverOptions {
  /** Weight of each new batch's min/max (torch default 0.01). */
  averaging_constant?: number;
}

/**
 * The first batch sets min/max; each later batch moves them by `averaging_constant` towards its own
 * min/max: min += c · (batch_min − min), in float32 as torch's tensor arithmetic.
 */
export class MovingAverageMinMaxObserver extends MinMaxObserver {
  static readonly option_keys: readonly string[] = [...MinMaxObserver.option_keys, 'averaging_constant'];
  averaging_constant: number;

  constructor(options: MovingAverageOptions = {}) {
    super(options);
    this.averaging_constant = averaging_constant_of(options, new.target.name);
  }

  protected update(lo: number, hi: number): void {
    const mn = this.min_val.data;
    const mx = this.max_val.data;
    if (mn[0] === Infinity && mx[0] === -Infinity) {
      mn[0] = lo;
      mx[0] = hi;
      return;
    }
    mn[0] = moving_average(mn[0], lo, this.averaging_constant);
    mx[0] = moving_average(mx[0], hi, this.averaging_constant);
  }
}

/** The moving-average observers' averaging_constant option (torch default 0.01), checked to lie in (0, 1]. */
export function averaging_constant_of(options: { averaging_constant?: number }, where: string): number {
  const c = options.averaging_constant ?? 0.01;
  if (!(c > 0 && c <= 1)) throw new Error(`${where}: averaging_constant must be in (0, 1], got ${c}`);
  return c;
}

/** old + c · (cur − old) with every op rounded to float32 (the python float c becomes a float32 scalar). */
export function moving_average(old: number, cur: number, c: number): number {
  return f(old + f(f(c) * f(cur - old)));
}

// torch's default_dynamic_qconfig weight observer, for the dynamic modules' from_float without a qconfig
set_default_dynamic_weight_observer(() => new MinMaxObserver({ dtype: 'qint8', qscheme: 'per_tensor_symmetric' }));
