/**
 * Fake-quantization modules for QAT, as PyTorch 1.13's torch/ao/quantization/fake_quantize.py:
 * FakeQuantize (an observer inside; forward observes, updates scale/zero_point and fake-quantizes),
 * FixedQParamsFakeQuantize, and the module-level toggles for `model.apply(...)`.
 */
import { Module } from '../nn/module.js';
import type { QuantDType } from '../tensor/dtype.js';
import type { QScheme } from '../tensor/quantizer.js';
import { Tensor } from '../tensor/tensor.js';
import { as_builder, type Factory, make_factory } from './factory.js';
import { fake_quantize_per_channel_affine, fake_quantize_per_tensor_affine } from './fake_quantize_ops.js';
import type { HistogramObserverOptions } from './histogram_observer.js';
import { MovingAverageMinMaxObserver } from './minmax_observer.js';
import { ObserverBase, type QParamsTensors } from './observer_base.js';
import type { MovingAveragePerChannelOptions } from './per_channel_observer.js';
import {
  default_fixed_qparams_range_0to1_observer,
  default_fixed_qparams_range_neg1to1_observer,
  FixedQParamsObserver,
} from './simple_observers.js';

/** An observer class, a with_args factory, or a function returning an observer. */
export type ObserverSpec = (abstract new (...args: never[]) => ObserverBase) | ((overrides?: object) => ObserverBase);

function u8(v: number): Tensor {
  return new Tensor(Uint8Array.of(v), [1], 'uint8');
}

/** Base of fake-quantize modules: the fake_quant_enabled / observer_enabled switches (uint8 [1] buffers). */
export abstract class FakeQuantizeBase extends Module {
  /** Where torch defines the fake-quant modules, for reprs. */
  static readonly __module__: string = 'torch.ao.quantization.fake_quantize';
  declare fake_quant_enabled: Tensor;
  declare observer_enabled: Tensor;

  constructor() {
    super();
    this.register_buffer('fake_quant_enabled', u8(1));
    this.register_buffer('observer_enabled', u8(1));
  }

  abstract forward(x: Tensor): Tensor;
  abstract calculate_qparams(): QParamsTensors;

  enable_fake_quant(enabled = true): this {
    this.fake_quant_enabled.data[0] = enabled ? 1 : 0;
    return this;
  }
  disable_fake_quant(): this {
    return this.enable_fake_quant(false);
  }
  enable_observer(enabled = true): this {
    this.observer_enabled.data[0] = enabled ? 1 : 0;
    return this;
  }
  disable_observer(): this {
    return this.enable_observer(false);
  }

  /** A factory building this fake-quantize with `options` bound (torch's `FakeQuantize.with_args(...)`). */
  static with_args<T extends FakeQuantizeBase, O extends object>(
    this: new (
      options: O,
    ) => T,
    options: NoInfer<O>,
  ): Factory<T, O> {
    return make_factory(this as new (options?: O) => T, options);
  }
}

/** Keyword options of FakeQuantize: the observer, an optional range, and the observer's own options. */
export interface FakeQuantizeOptions extends MovingAveragePerChannelOptions, HistogramObserverOptions {
  observer?: ObserverSpec;
  quant_min?: number | null;
  quant_max?: number | null;
}

const DTYPE_BOUNDS: Record<QuantDType, [number, number]> = {
  quint8: [0, 255],
  qint8: [-128, 127],
  qint32: [-(2 ** 31), 2 ** 31 - 1],
};

/**
 * Simulated quantization: with the observer on, each forward records x and refreshes scale/zero_point;
 * with fake quant on, it returns quantize→dequantize(x) with a straight-through gradient. Buffers:
 * fake_quant_enabled, observer_enabled, scale [1|C], zero_point [1|C] (int32); child activation_post_process.
 */
export class FakeQuantize extends FakeQuantizeBase {
  declare scale: Tensor;
  declare zero_point: Tensor;
  activation_post_process: ObserverBase & { quant_min: number; quant_max: number; qscheme: QScheme; dtype: QuantDType };
  quant_min: number;
  quant_max: number;
  dtype: QuantDType;
  qscheme: QScheme;
  ch_axis: number;
  is_per_channel: boolean;

  constructor(options: FakeQuantizeOptions = {}) {
    super();
    const where = new.target.name;
    const { observer = MovingAverageMinMaxObserver, quant_min = null, quant_max = null, ...observer_kwargs } = options;
    const kwargs: Record<string, unknown> = { ...observer_kwargs };
    if (quant_min !== null && quant_max !== null) {
      if (quant_min > quant_max)
        throw new Error(`${where}: quant_min (${quant_min}) must be <= quant_max (${quant_max})`);
      const bound_dtype =
        (typeof observer === 'function' && 'kwargs' in observer
          ? (observer.kwargs as { dtype?: QuantDType }).dtype
          : undefined) ??
        (kwargs.dtype as QuantDType | undefined) ??
        'quint8';
      const [lo, hi] = DTYPE_BOUNDS[bound_dtype] ?? [0, 255];
      if (quant_min < lo)
        throw new Error(`${where}: quant_min ${quant_min} out of bound for ${bound_dtype} (min ${lo})`);
      if (quant_max > hi)
        throw new Error(`${where}: quant_max ${quant_max} out of bound for ${bound_dtype} (max ${hi})`);
      kwargs.quant_min = quant_min;
      kwargs.quant_max = quant_max;
    }
    const build = as_builder<ObserverBase>(observer, ObserverBase, `${where}: observer`);
    const obs = build(kwargs) as FakeQuantize['activation_post_process'];
    if (!(obs instanceof ObserverBase)) throw new Error(`${where}: observer factory did not return an observer`);
    if (typeof obs.quant_min !== 'number' || typeof obs.qscheme !== 'string') {
      throw new Error(
        `${where}: observer ${obs.constructor.name} has no quantization range (a placeholder cannot drive fake quant)`,
      );
    }
    this.scale = new Tensor(Float32Array.of(1), [1], 'float32');
    this.zero_point = new Tensor(Int32Array.of(0), [1], 'int32');
    this.register_buffer('scale', this.scale);
    this.register_buffer('zero_point', this.zero_point);
    this.activation_post_process = obs;
    this.quant_min = obs.quant_min;
    this.quant_max = obs.quant_max;
    this.dtype = obs.dtype;
    this.qscheme = obs.qscheme;
    this.ch_axis = 'ch_axis' in obs ? (obs as unknown as { ch_axis: number }).ch_axis : -1;
    this.is_per_channel = this.qscheme === 'per_channel_affine' || this.qscheme === 'per_channel_symmetric';
  }

  calculate_qparams(): QParamsTensors {
    return this.activation_post_process.calculate_qparams();
  }

  /** Loads scale / zero_point of any length (per-channel qparams start as [1]), as torch resizes them. */
  _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[] {
    const s = sd[`${prefix}scale`];
    const z = sd[`${prefix}zero_point`];
    if (!s || !z) return [];
    if (s.numel() !== z.numel()) {
      throw new Error(
        `load_state_dict: ${prefix}scale has ${s.numel()} entries but ${prefix}zero_point has ${z.numel()}`,
      );
    }
    this.register_buffer('scale', new Tensor(Float32Array.from(s.data), [s.numel()], 'float32'));
    this.register_buffer('zero_point', new Tensor(Int32Array.from(z.data), [z.numel()], 'int32'));
    return [`${prefix}scale`, `${prefix}zero_point`];
  }

  forward(x: Tensor): Tensor {
    if (this.observer_enabled.data[0] === 1) {
      this.activation_post_process.forward(x.detach());
      const [s, z] = this.calculate_qparams();
      if (this.scale.numel() !== s.numel()) {
        this.register_buffer('scale', new Tensor(new Float32Array(s.numel()), [s.numel()], 'float32'));
        this.register_buffer('zero_point', new Tensor(new Int32Array(z.numel()), [z.numel()], 'int32'));
      }
      this.scale.data.set(s.data);
      this.zero_point.data.set(z.data);
    }
    if (this.fake_quant_enabled.data[0] === 1) {
      if (this.is_per_channel) {
        const axis = this.ch_axis < 0 ? this.ch_axis + x.ndim : this.ch_axis;
        return fake_quantize_per_channel_affine(x, this.scale, this.zero_point, axis, this.quant_min, this.quant_max);
      }
      return fake_quantize_per_tensor_affine(x, this.scale, this.zero_point, this.quant_min, this.quant_max);
    }
    return x;
  }

  extra_repr(): string {
    // torch formats its buffers with str(tensor): tensor([1], dtype=torch.uint8), tensor([0.1000])
    return `fake_quant_enabled=${this.fake_quant_enabled}, observer_enabled=${this.observer_enabled}, quant_min=${this.quant_min}, quant_max=${this.quant_max}, dtype=torch.${this.dtype}, qscheme=torch.${this.qscheme}, ch_axis=${this.ch_axis}, scale=${this.scale}, zero_point=${this.zero_point}`;
  }
}

/** Options of FixedQParamsFakeQuantize: the FixedQParamsObserver factory. */
export interface FixedQParamsFakeQuantizeOptions {
  observer?: ObserverSpec;
}

/** Fake quant with fixed qparams taken from a FixedQParamsObserver (sigmoid / tanh outputs in QAT). */
export class FixedQParamsFakeQuantize extends FakeQuantize {
  constructor(options: FixedQParamsFakeQuantizeOptions = {}) {
    if (!options.observer)
      throw new Error('FixedQParamsFakeQuantize: an observer (a FixedQParamsObserver factory) is required');
    super({ observer: options.observer });
    const obs: unknown = this.activation_post_process;
    if (!(obs instanceof FixedQParamsObserver)) {
      throw new Error(
        `FixedQParamsFakeQuantize: observer must be a FixedQParamsObserver, got ${(obs as object).constructor.name}`,
      );
    }
    if (this.is_per_channel) throw new Error('FixedQParamsFakeQuantize: only per-tensor qschemes are supported');
    this.register_buffer('scale', obs.scale);
    this.register_buffer('zero_point', obs.zero_point);
  }

  calculate_qparams(): QParamsTensors {
    return [this.scale, this.zero_point];
  }
}

/** Fixed-qparams fake quant for [-1, 1] outputs (tanh). */
export const default_fixed_qparams_range_neg1to1_fake_quant = FixedQParamsFakeQuantize.with_args({
  observer: default_fixed_qparams_range_neg1to1_observer,
});
/** Fixed-qparams fake quant for [0, 1] outputs (sigmoid). */
export const default_fixed_qparams_range_0to1_fake_quant = FixedQParamsFakeQuantize.with_args({
  observer: default_fixed_qparams_range_0to1_observer,
});

function is_fake_quant(m: Module): m is FakeQuantizeBase {
  return (
    m instanceof FakeQuantizeBase ||
    (typeof (m as unknown as Partial<FakeQuantizeBase>).enable_fake_quant === 'function' && 'fake_quant_enabled' in m)
  );
}

/** For `model.apply(disable_fake_quant)`: turns fake quantization off in every fake-quantize module. */
export function disable_fake_quant(m: Module): void {
  if (is_fake_quant(m)) m.disable_fake_quant();
}
/** For `model.apply(enable_fake_quant)`. */
export function enable_fake_quant(m: Module): void {
  if (is_fake_quant(m)) m.enable_fake_quant();
}
/** For `model.apply(disable_observer)`: freezes the qparams of every fake-quantize module. */
export function disable_observer(m: Module): void {
  if (is_fake_quant(m)) m.disable_observer();
}
/** For `model.apply(enable_observer)`. */
export function enable_observer(m: Module): void {
  if (is_fake_quant(m)) m.enable_observer();
}
