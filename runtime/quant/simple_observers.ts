/**
 * Observers that record nothing: PlaceholderObserver (carries a dtype, e.g. for dynamic or fp16
 * quantization), NoopObserver, and FixedQParamsObserver (fixed scale/zero point for ops with a known
 * output range such as sigmoid and tanh), as PyTorch 1.13.
 */
import type { QuantDType } from '../tensor/dtype.js';
import type { QScheme } from '../tensor/quantizer.js';
import { Tensor } from '../tensor/tensor.js';
import { check_option_keys, f32, ObserverBase, type QParamsTensors } from './observer_base.js';
import { check_quant_dtype, validate_qmin_qmax } from './qparams.js';

/** Options of PlaceholderObserver / NoopObserver. */
export interface PlaceholderObserverOptions {
  dtype?: QuantDType | 'float32' | 'float16';
  custom_op_name?: string;
  /** The dtype activations are quantized to per call (dynamic quantization): quint8, qint8 or float16. */
  compute_dtype?: QuantDType | 'float16' | null;
  quant_min?: number | null;
  quant_max?: number | null;
}

/**
 * Passes values through and only carries a dtype (and compute_dtype: a float activation with compute_dtype
 * quint8 marks dynamic quantization). calculate_qparams is an error: there are no statistics.
 */
export class PlaceholderObserver extends ObserverBase {
  custom_op_name: string;
  compute_dtype: QuantDType | 'float16' | null;
  quant_min: number | null;
  quant_max: number | null;

  constructor(options: PlaceholderObserverOptions = {}) {
    super(options.dtype ?? 'float32');
    check_option_keys(options, ['dtype', 'custom_op_name', 'compute_dtype', 'quant_min', 'quant_max'], new.target.name);
    this.custom_op_name = options.custom_op_name ?? '';
    this.compute_dtype = options.compute_dtype ?? null;
    this.quant_min = options.quant_min ?? null;
    this.quant_max = options.quant_max ?? null;
    this.is_dynamic = this.dtype === 'float32' && this.compute_dtype !== null;
  }

  forward(x: Tensor): Tensor {
    return x;
  }

  calculate_qparams(): QParamsTensors {
    throw new Error(`calculate_qparams should not be called for ${this.constructor.name} (it records no statistics)`);
  }

  extra_repr(): string {
    return `dtype=${this.dtype}, compute_dtype=${this.compute_dtype}`;
  }
}

/** Does nothing (torch's NoopObserver, default dtype float16): for values that stay in floating point. */
export class NoopObserver extends PlaceholderObserver {
  constructor(options: PlaceholderObserverOptions = {}) {
    super({ dtype: 'float16', ...options });
  }
}

/** Options of FixedQParamsObserver (scale and zero_point are required). */
export interface FixedQParamsObserverOptions {
  scale: number;
  zero_point: number;
  dtype?: QuantDType;
  qscheme?: QScheme;
  quant_min?: number;
  quant_max?: number;
}

/**
 * Always reports the given (scale, zero_point): buffers scale [1] float32 and zero_point [1] int32.
 * `new FixedQParamsObserver({ scale, zero_point })` (one options object, so with_args can bind them).
 */
export class FixedQParamsObserver extends ObserverBase {
  declare dtype: QuantDType;
  qscheme: QScheme;
  quant_min: number;
  quant_max: number;
  declare scale: Tensor;
  declare zero_point: Tensor;

  constructor(options: FixedQParamsObserverOptions) {
    const o: Partial<FixedQParamsObserverOptions> = { ...options };
    const where = new.target.name;
    check_option_keys(o, ['scale', 'zero_point', 'dtype', 'qscheme', 'quant_min', 'quant_max'], where);
    const dtype = o.dtype ?? 'quint8';
    check_quant_dtype(dtype, where);
    super(dtype);
    if (typeof o.scale !== 'number' || !(o.scale > 0) || !Number.isFinite(o.scale)) {
      throw new Error(`${where}: scale must be a positive finite number, got ${String(o.scale)}`);
    }
    if (typeof o.zero_point !== 'number' || !Number.isInteger(o.zero_point)) {
      throw new Error(`${where}: zero_point must be an integer, got ${String(o.zero_point)}`);
    }
    this.qscheme = o.qscheme ?? 'per_tensor_affine';
    if (this.qscheme !== 'per_tensor_affine' && this.qscheme !== 'per_tensor_symmetric') {
      throw new Error(
        `${where}: qscheme ${this.qscheme} is not supported; use per_tensor_affine or per_tensor_symmetric`,
      );
    }
    this.quant_min = o.quant_min ?? 0;
    this.quant_max = o.quant_max ?? 255;
    validate_qmin_qmax(this.quant_min, this.quant_max, where, dtype);
    if (o.zero_point < this.quant_min || o.zero_point > this.quant_max) {
      throw new Error(`${where}: zero_point ${o.zero_point} is outside [${this.quant_min}, ${this.quant_max}]`);
    }
    this.register_buffer('scale', f32([o.scale]));
    this.register_buffer('zero_point', new Tensor(Int32Array.of(o.zero_point), [1], 'int32'));
  }

  forward(x: Tensor): Tensor {
    return x;
  }

  calculate_qparams(): QParamsTensors {
    return [this.scale, this.zero_point];
  }

  extra_repr(): string {
    return `scale=${this.scale.data[0]}, zero_point=${this.zero_point.data[0]}`;
  }
}

/** Fixed qparams for outputs in [-1, 1] (tanh): scale 2/256, zero point 128, quint8. */
export const default_fixed_qparams_range_neg1to1_observer = FixedQParamsObserver.with_args({
  scale: 2.0 / 256.0,
  zero_point: 128,
  dtype: 'quint8',
  quant_min: 0,
  quant_max: 255,
});
/** Fixed qparams for outputs in [0, 1] (sigmoid, softmax): scale 1/256, zero point 0, quint8. */
export const default_fixed_qparams_range_0to1_observer = FixedQParamsObserver.with_args({
  scale: 1.0 / 256.0,
  zero_point: 0,
  dtype: 'quint8',
  quant_min: 0,
  quant_max: 255,
});
/** PlaceholderObserver marking a value that stays float32. */
export const default_placeholder_observer = PlaceholderObserver;
/** Dynamic quantization's activation marker: float activations quantized per call to quint8. */
export const default_dynamic_quant_observer = PlaceholderObserver.with_args({
  dtype: 'float32',
  compute_dtype: 'quint8',
});
