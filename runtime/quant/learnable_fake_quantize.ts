/**
 * LearnableFakeQuantize: torch.ao.quantization._LearnableFakeQuantize (PyTorch 1.13). scale and zero_point
 * are Parameters trained by gradient (LSQ, "Learned Step Size Quantization", with an optional grad_factor
 * 1/sqrt(numel · quant_max)); the observer can seed them (static estimate) before learning takes over.
 */
import type { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import type { QuantDType } from '../tensor/dtype.js';
import type { QScheme } from '../tensor/quantizer.js';
import { Tensor } from '../tensor/tensor.js';
import { as_builder } from './factory.js';
import { FakeQuantizeBase, type ObserverSpec } from './fake_quantize.js';
import {
  _fake_quantize_learnable_per_channel_affine,
  _fake_quantize_learnable_per_tensor_affine,
} from './fake_quantize_ops.js';
import { MovingAverageMinMaxObserver } from './minmax_observer.js';
import { ObserverBase, type QParamsTensors } from './observer_base.js';
import type { MovingAveragePerChannelOptions } from './per_channel_observer.js';
import { FLOAT32_EPS, rne } from './qparams.js';

/** Options of LearnableFakeQuantize (torch's names and defaults) plus the observer's own options. */
export interface LearnableFakeQuantizeOptions extends MovingAveragePerChannelOptions {
  observer?: ObserverSpec;
  quant_min?: number;
  quant_max?: number;
  /** Initial scale (default 1). */
  scale?: number;
  /** Initial zero point, a float (default 0). */
  zero_point?: number;
  /** -1 for per-tensor; the channel count for per-channel qschemes. */
  channel_len?: number;
  /** Scale the scale/zero-point gradients by 1/sqrt(numel · quant_max), as LSQ recommends. */
  use_grad_scaling?: boolean;
}

const BOUNDS: Record<QuantDType, [number, number]> = {
  quint8: [0, 255],
  qint8: [-128, 127],
  qint32: [-(2 ** 31), 2 ** 31 - 1],
};

function u8(v: number): Tensor {
  return new Tensor(Uint8Array.of(v), [1], 'uint8');
}

/**
 * Parameters scale and zero_point; buffers fake_quant_enabled, observer_enabled, static_enabled,
 * learning_enabled, eps; child activation_post_process. Modes: enable_static_estimate (observer sets
 * the qparams), enable_param_learning (gradients move them), enable_static_observation.
 */
export class LearnableFakeQuantize extends FakeQuantizeBase {
  scale: Parameter;
  zero_point: Parameter;
  quant_min: number;
  quant_max: number;
  use_grad_scaling: boolean;
  activation_post_process: ObserverBase & { qscheme: QScheme; dtype: QuantDType };
  dtype: QuantDType;
  qscheme: QScheme;
  ch_axis: number;
  bitwidth: number;
  declare static_enabled: Tensor;
  declare learning_enabled: Tensor;
  declare eps: Tensor;

  constructor(options: LearnableFakeQuantizeOptions = {}) {
    super();
    const where = new.target.name;
    const {
      observer = MovingAverageMinMaxObserver,
      quant_min = 0,
      quant_max = 255,
      scale = 1,
      zero_point = 0,
      channel_len = -1,
      use_grad_scaling = false,
      ...observer_kwargs
    } = options;
    if (!(quant_min < quant_max))
      throw new Error(`${where}: quant_min (${quant_min}) must be strictly less than quant_max (${quant_max})`);
    this.quant_min = quant_min;
    this.quant_max = quant_max;
    this.use_grad_scaling = use_grad_scaling;
    if (!(scale > 0)) throw new Error(`${where}: initial scale must be positive, got ${scale}`);
    if (channel_len === -1) {
      this.scale = new Parameter(new Tensor(Float32Array.of(scale), [1], 'float32'));
      this.zero_point = new Parameter(new Tensor(Float32Array.of(zero_point), [1], 'float32'));
    } else {
      if (!Number.isInteger(channel_len) || channel_len <= 0)
        throw new Error(`${where}: channel_len must be a positive integer or -1, got ${channel_len}`);
      this.scale = new Parameter(new Tensor(new Float32Array(channel_len).fill(scale), [channel_len], 'float32'));
      this.zero_point = new Parameter(
        new Tensor(new Float32Array(channel_len).fill(zero_point), [channel_len], 'float32'),
      );
    }
    const build = as_builder<ObserverBase>(observer, ObserverBase, `${where}: observer`);
    const obs = build({ ...observer_kwargs, quant_min, quant_max }) as LearnableFakeQuantize['activation_post_process'];
    const [lo, hi] = BOUNDS[obs.dtype] ?? [0, 255];
    if (quant_min < lo) throw new Error(`${where}: quant_min ${quant_min} out of bound for ${obs.dtype}`);
    if (quant_max > hi) throw new Error(`${where}: quant_max ${quant_max} out of bound for ${obs.dtype}`);
    this.activation_post_process = obs;
    this.dtype = obs.dtype;
    this.qscheme = obs.qscheme;
    this.ch_axis = 'ch_axis' in obs ? (obs as unknown as { ch_axis: number }).ch_axis : -1;
    const per_channel = this.qscheme === 'per_channel_affine' || this.qscheme === 'per_channel_symmetric';
    if (per_channel && channel_len === -1)
      throw new Error(`${where}: a per-channel observer needs channel_len (the number of channels)`);
    this.register_buffer('fake_quant_enabled', u8(1));
    this.register_buffer('static_enabled', u8(1));
    this.register_buffer('learning_enabled', u8(0));
    this.bitwidth = Math.trunc(Math.log2(quant_max - quant_min + 1));
    this.register_buffer('eps', new Tensor(Float32Array.of(FLOAT32_EPS), [1], 'float32'));
  }

  /** Learn scale/zero point by gradient; fake quant on; observer off. */
  enable_param_learning(): this {
    return this.toggle_qparam_learning(true).toggle_fake_quant(true).toggle_observer_update(false);
  }
  /** Observer sets the qparams each step; fake quant on; no learning. */
  enable_static_estimate(): this {
    return this.toggle_qparam_learning(false).toggle_fake_quant(true).toggle_observer_update(true);
  }
  /** Observer only (no fake quant, no learning). */
  enable_static_observation(): this {
    return this.toggle_qparam_learning(false).toggle_fake_quant(false).toggle_observer_update(true);
  }
  toggle_observer_update(enabled = true): this {
    this.static_enabled.data[0] = enabled ? 1 : 0;
    return this;
  }
  enable_observer(enabled = true): this {
    return this.toggle_observer_update(enabled);
  }
  toggle_qparam_learning(enabled = true): this {
    this.learning_enabled.data[0] = enabled ? 1 : 0;
    this.scale.requires_grad = enabled;
    this.zero_point.requires_grad = enabled;
    return this;
  }
  toggle_fake_quant(enabled = true): this {
    this.fake_quant_enabled.data[0] = enabled ? 1 : 0;
    return this;
  }

  /** [scale (clamped to eps), zero point rounded and clamped, int64]. */
  calculate_qparams(): QParamsTensors {
    this.clamp_scale();
    const scale = new Tensor(Float32Array.from(this.scale.data), this.scale.shape, 'float32');
    const zp = Float64Array.from(this.zero_point.data, (z) =>
      Math.min(Math.max(rne(z), this.quant_min), this.quant_max),
    );
    return [scale, new Tensor(zp, this.zero_point.shape, 'int64')];
  }

  private clamp_scale(): void {
    const eps = this.eps.data[0];
    const s = this.scale.data;
    for (let i = 0; i < s.length; i++) if (s[i] < eps) s[i] = eps;
  }

  forward(x: Tensor): Tensor {
    if (this.static_enabled.data[0] === 1) {
      this.activation_post_process.forward(x.detach());
      const [s, z] = this.activation_post_process.calculate_qparams();
      if (s.numel() !== this.scale.numel()) {
        throw new Error(
          `${this.constructor.name}: observer gave ${s.numel()} scales but the module has ${this.scale.numel()} (channel_len)`,
        );
      }
      this.scale.data.set(s.data);
      this.zero_point.data.set(z.data);
    } else {
      this.clamp_scale();
    }
    if (this.fake_quant_enabled.data[0] !== 1) return x;
    if (this.qscheme === 'per_channel_symmetric' || this.qscheme === 'per_tensor_symmetric')
      this.zero_point.data.fill(0);
    const grad_factor = this.use_grad_scaling ? 1 / Math.sqrt(x.numel() * this.quant_max) : 1;
    if (this.qscheme === 'per_channel_symmetric' || this.qscheme === 'per_channel_affine') {
      const axis = this.ch_axis < 0 ? this.ch_axis + x.ndim : this.ch_axis;
      return _fake_quantize_learnable_per_channel_affine(
        x,
        this.scale,
        this.zero_point,
        axis,
        this.quant_min,
        this.quant_max,
        grad_factor,
      );
    }
    return _fake_quantize_learnable_per_tensor_affine(
      x,
      this.scale,
      this.zero_point,
      this.quant_min,
      this.quant_max,
      grad_factor,
    );
  }

  extra_repr(): string {
    return `quant_min=${this.quant_min}, quant_max=${this.quant_max}, scale=[${[...this.scale.data]}], zero_point=[${[...this.zero_point.data]}]`;
  }
}

/** True for any module with LSQ parameters (for optimizers that treat qparams differently). */
export function is_learnable_fake_quantize(m: Module): m is LearnableFakeQuantize {
  return m instanceof LearnableFakeQuantize;
}
