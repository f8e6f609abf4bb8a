/**
 * Observer bases, after torch.ao.quantization.observer's ObserverBase and UniformQuantizationObserverBase:
 * option resolution (dtype, qscheme, reduce_range, quant_min/quant_max, eps), input checks, and the
 * shared (min, max) → qparams computation.
 */
import { Module } from '../nn/module.js';
import type { QScheme } from '../tensor/quantizer.js';
import { Tensor } from '../tensor/tensor.js';
import { type Factory, make_factory } from './factory.js';
import {
  calculate_qmin_qmax,
  check_min_max_valid,
  check_quant_dtype,
  determine_qparams,
  FLOAT32_EPS,
  type ObserverDType,
  type QParams,
  validate_qmin_qmax,
} from './qparams.js';

/** What calculate_qparams returns: [scale (float32, one per channel), zero_point (int32 or int64 as torch)]. */
export type QParamsTensors = [Tensor, Tensor];

const QSCHEMES: readonly QScheme[] = [
  'per_tensor_affine',
  'per_tensor_symmetric',
  'per_channel_affine',
  'per_channel_symmetric',
  'per_channel_affine_float_qparams',
];

/** Keyword options common to the uniform observers (torch's names and defaults). */
export interface UniformObserverOptions {
  dtype?: ObserverDType;
  qscheme?: QScheme;
  reduce_range?: boolean;
  quant_min?: number | null;
  quant_max?: number | null;
  eps?: number;
}

/** Base of every observer: a Module whose forward records statistics and returns its input unchanged. */
export abstract class ObserverBase extends Module {
  /** Where torch defines the observers, for reprs (`<class 'torch.ao.quantization.observer.MinMaxObserver'>`). */
  static readonly __module__: string = 'torch.ao.quantization.observer';
  dtype: ObserverDType | 'float32' | 'float16';
  /** True for observers that stand in for dynamic (per-call) quantization. */
  is_dynamic = false;

  constructor(dtype: ObserverDType | 'float32' | 'float16') {
    super();
    this.dtype = dtype;
  }

  abstract forward(x: Tensor): Tensor;
  abstract calculate_qparams(): QParamsTensors;

  /** A factory building this observer with `options` bound (torch's `Observer.with_args(**kwargs)`). */
  static with_args<T extends ObserverBase, O extends object>(
    this: new (
      options: O,
    ) => T,
    options: NoInfer<O>,
  ): Factory<T, O> {
    return make_factory(this as new (options?: O) => T, options);
  }
}

/**
 * Throws on an option name the class does not know (a typo would otherwise be silently ignored).
 * `keys` is the class's static `option_keys`.
 */
export function check_option_keys(options: object, keys: readonly string[], where: string): void {
  for (const k of Object.keys(options)) {
    if (!keys.includes(k)) throw new Error(`${where}: unknown option '${k}'; expected one of ${keys.join(', ')}`);
  }
}

/** Throws unless x is a float32 tensor whose values are all finite; names the observer and the first bad index. */
export function check_observed_input(x: unknown, where: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${where}.forward: expected a Tensor, got ${typeof x}`);
  if (x.dtype !== 'float32' || x.is_quantized) {
    throw new Error(`${where}.forward: expected a float32 tensor, got ${x.is_quantized ? 'quantized ' : ''}${x.dtype}`);
  }
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) {
      throw new Error(
        `${where}.forward: input of shape [${x.shape.join(', ')}] contains ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf'} at flat index ${i}; observers need finite values`,
      );
    }
  }
}

/** A scalar-or-vector float32 tensor. */
export function f32(values: ArrayLike<number>, shape: number[] = [values.length]): Tensor {
  return new Tensor(Float32Array.from(values), shape, 'float32');
}

/** Common base of observers that map a (min, max) range to affine or symmetric qparams. */
export abstract class UniformQuantizationObserverBase extends ObserverBase {
  /** The keyword options this class accepts (each subclass extends the list). */
  static readonly option_keys: readonly string[] = [
    'dtype',
    'qscheme',
    'reduce_range',
    'quant_min',
    'quant_max',
    'eps',
  ];
  declare dtype: ObserverDType;
  qscheme: QScheme;
  reduce_range: boolean;
  quant_min: number;
  quant_max: number;
  has_customized_qrange: boolean;
  declare eps: Tensor;

  constructor(options: UniformObserverOptions, allowed: readonly QScheme[] = QSCHEMES) {
    const where = new.target.name;
    check_option_keys(options, (new.target as unknown as { option_keys: readonly string[] }).option_keys, where);
    const dtype = options.dtype ?? 'quint8';
    check_quant_dtype(dtype, where);
    super(dtype);
    const qscheme = options.qscheme ?? 'per_tensor_affine';
    if (!QSCHEMES.includes(qscheme)) {
      throw new Error(`${where}: unknown qscheme ${String(qscheme)}; expected one of ${QSCHEMES.join(', ')}`);
    }
    if (!allowed.includes(qscheme)) {
      throw new Error(`${where}: qscheme ${qscheme} is not supported; use one of ${allowed.join(', ')}`);
    }
    this.qscheme = qscheme;
    this.reduce_range = options.reduce_range ?? false;
    const eps = options.eps ?? FLOAT32_EPS;
    if (!(eps > 0) || !Number.isFinite(eps))
      throw new Error(`${where}: eps must be a positive finite number, got ${eps}`);
    this.register_buffer('eps', f32([eps]));
    const qmin = options.quant_min ?? null;
    const qmax = options.quant_max ?? null;
    if ((qmin === null) !== (qmax === null)) {
      throw new Error(
        `${where}: quant_min and quant_max must be given together (got quant_min=${qmin}, quant_max=${qmax})`,
      );
    }
    this.has_customized_qrange = qmin !== null && qmax !== null;
    if (this.has_customized_qrange) validate_qmin_qmax(qmin as number, qmax as number, where, dtype);
    [this.quant_min, this.quant_max] = calculate_qmin_qmax(
      qmin,
      qmax,
      this.has_customized_qrange,
      dtype,
      this.reduce_range,
    );
    if (this.has_customized_qrange && dtype !== 'qint32') {
      const [lo, hi] = dtype === 'quint8' ? [0, 255] : [-128, 127];
      if (this.quant_min < lo || this.quant_max > hi) {
        throw new Error(
          `${where}: quant_min/quant_max [${this.quant_min}, ${this.quant_max}] fall outside ${dtype}'s range [${lo}, ${hi}]`,
        );
      }
    }
  }

  /** (min, max) per channel → [scale float32, zero_point int32 (affine) or int64 (symmetric)], as torch's dtypes. */
  protected _calculate_qparams(min_val: ArrayLike<number>, max_val: ArrayLike<number>): QParamsTensors {
    check_min_max_valid(min_val, max_val, this.constructor.name);
    const qp = this.qparams_of(min_val, max_val);
    return qparams_tensors(qp, this.qscheme);
  }

  /** The raw qparams for given ranges (no validity check); used by range-searching observers. */
  qparams_of(min_val: ArrayLike<number>, max_val: ArrayLike<number>): QParams {
    return determine_qparams(min_val, max_val, {
      qscheme: this.qscheme,
      dtype: this.dtype,
      quant_min: this.quant_min,
      quant_max: this.quant_max,
      has_customized_qrange: this.has_customized_qrange,
      eps: this.eps.data[0],
    });
  }

  extra_repr(): string {
    return `dtype=${this.dtype}, qscheme=${this.qscheme}, quant_min=${this.quant_min}, quant_max=${this.quant_max}`;
  }
}

/** Wraps raw qparams as torch returns them: zero points int32 for affine schemes, int64 for symmetric ones. */
export function qparams_tensors(qp: QParams, qscheme: QScheme): QParamsTensors {
  const n = qp.scale.length;
  const scale = new Tensor(qp.scale, [n], 'float32');
  const symmetric = qscheme === 'per_tensor_symmetric' || qscheme === 'per_channel_symmetric';
  const zero_point = symmetric
    ? new Tensor(Float64Array.from(qp.zero_point), [n], 'int64')
    : new Tensor(qp.zero_point, [n], 'int32');
  return [scale, zero_point];
}
