/** nn.quantized.Linear and nn.intrinsic.quantized.LinearReLU: quint8 in, quint8 out, prepacked qint8 weight. */
import { Module } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
import { linear, linear_relu } from '../functional/linear.js';
import { LinearPackedParams } from '../packed_params.js';
import { check_out_clamp, check_out_qparams, make_qtensor } from '../qtensor.js';
import { output_qparams, qconfig_of, quantize_weight, weight_bias_observer, weighted_child } from './from_float.js';
import { load_weighted_state, save_weighted_state } from './state.js';

/** Keyword options of the quantized Linear constructors (torch's names). */
export interface QuantizedLinearOptions {
  bias_?: boolean;
  dtype?: 'qint8';
  /** An output clamp [lo, hi] in quint8 levels: a relu / relu6 / hardtanh folded by compiler/passes/fold_clamps.ts. */
  out_clamp?: readonly [number, number] | null;
}

/** torch.ao.nn.quantized.Linear: y = requant(x·Wᵀ + b) at (scale, zero_point). */
export class Linear extends Module {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  in_features: number;
  out_features: number;
  /** Output qparams (set by from_float / load_state_dict). */
  scale = 1.0;
  zero_point = 0;
  _packed_params: LinearPackedParams;
  /** Output clamp in quint8 levels (null: none beyond LinearReLU's zero point): a folded relu6 / hardtanh / relu. */
  out_clamp: readonly [number, number] | null;
  protected readonly _relu: boolean = false;

  constructor(in_features: number, out_features: number, options: QuantizedLinearOptions = {}) {
    super();
    if (!Number.isInteger(in_features) || !Number.isInteger(out_features) || in_features < 1 || out_features < 1) {
      throw new Error(
        `${new.target.name}: in_features ${in_features} and out_features ${out_features} must be positive integers`,
      );
    }
    if (options.dtype !== undefined && options.dtype !== 'qint8')
      throw new Error(`${new.target.name}: only qint8 weights are supported, got ${options.dtype}`);
    this.in_features = in_features;
    this.out_features = out_features;
    this.out_clamp = check_out_clamp(options.out_clamp, new.target.name);
    // as torch: a zero qint8 weight (scale 1, zero point 0) and a zero bias until set_weight_bias
    const w = make_qtensor(new Int8Array(out_features * in_features), [out_features, in_features], 'qint8', 1, 0);
    const b = options.bias_ === false ? null : new Tensor(new Float32Array(out_features), [out_features], 'float32');
    this._packed_params = new LinearPackedParams(w, b, new.target.name);
  }

  /** The qint8 weight (torch: a method). */
  weight(): Tensor {
    return this._packed_params.weight;
  }
  bias(): Tensor | null {
    return this._packed_params.bias;
  }
  /** Replaces (and re-packs) the weight and bias. */
  set_weight_bias(w: Tensor, b: Tensor | null): void {
    if (w.ndim !== 2 || w.shape[0] !== this.out_features || w.shape[1] !== this.in_features) {
      throw new Error(
        `${this.constructor.name}.set_weight_bias: weight must be [${this.out_features}, ${this.in_features}], got [${w.shape.join(', ')}]`,
      );
    }
    this._packed_params = new LinearPackedParams(w, b, this.constructor.name);
  }

  forward(x: Tensor): Tensor {
    const options = this.out_clamp ? { out_clamp: this.out_clamp } : {};
    return (this._relu ? linear_relu : linear)(x, this._packed_params, this.scale, this.zero_point, options);
  }

  _extra_state(prefix: string, out: Record<string, Tensor>): void {
    save_weighted_state(this, prefix, out);
  }
  _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[] {
    return load_weighted_state(this, prefix, sd, [this.out_features, this.in_features]);
  }

  extra_repr(): string {
    const q = this.weight().quantizer;
    return `in_features=${this.in_features}, out_features=${this.out_features}, scale=${this.scale}, zero_point=${this.zero_point}, qscheme=${q?.kind === 'per_channel' ? 'per_channel_affine' : 'per_tensor_affine'}${this.out_clamp ? `, out_clamp=(${this.out_clamp})` : ''}`;
  }

  /** Builds the int8 module from an observed float Linear (or fused LinearReLU), as torch's from_float. */
  static from_float<T extends Linear>(
    this: new (
      i: number,
      o: number,
      opts?: QuantizedLinearOptions,
    ) => T,
    mod: Module,
  ): T {
    const where = this.name;
    const [scale, zero_point] = output_qparams(mod, where);
    const qconfig = qconfig_of(mod, where);
    const lin = weighted_child(mod, where);
    const { weight: w, bias: b, observer } = weight_bias_observer(mod, lin, qconfig, where);
    const qw = quantize_weight(w, observer, `${where}.from_float`);
    const q = new this(w.shape[1], w.shape[0], { bias_: b !== null });
    q.set_weight_bias(qw, b);
    check_out_qparams(scale, zero_point, `${where}.from_float`);
    q.scale = scale;
    q.zero_point = zero_point;
    return q;
  }

  /** Builds from a reference (weight-already-quantized) setup: explicit qint8 weight, bias and output qparams. */
  static from_reference<T extends Linear>(
    this: new (
      i: number,
      o: number,
      opts?: QuantizedLinearOptions,
    ) => T,
    weight: Tensor,
    bias: Tensor | null,
    scale: number,
    zero_point: number,
  ): T {
    const q = new this(weight.shape[1], weight.shape[0], { bias_: bias !== null });
    q.set_weight_bias(weight, bias);
    check_out_qparams(scale, zero_point, `${this.name}.from_reference`);
    q.scale = scale;
    q.zero_point = zero_point;
    return q;
  }
}

/** torch.ao.nn.intrinsic.quantized.LinearReLU: Linear with the output clamped at its zero point. */
export class LinearReLU extends Linear {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  protected readonly _relu: boolean = true;
}
