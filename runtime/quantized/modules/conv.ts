/** nn.quantized.Conv2d and nn.intrinsic.quantized.ConvReLU2d: quint8 NCHW in and out, prepacked qint8 weight. */
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { conv2d, conv2d_relu } from '../functional/conv.js';
import { Conv2dPackedParams } from '../packed_params.js';
import { check_out_clamp } from '../qtensor.js';
import {
  check_conv_channels,
  check_padding_mode,
  observed_conv,
  set_output_qparams,
  zero_weight_bias,
} from './_conv_common.js';
import { attr, quantize_weight } from './from_float.js';
import { load_weighted_state, save_weighted_state } from './state.js';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** A float conv's padding as numbers: 'valid' is 0; 'same' is dilation·(k−1)/2 when that is whole on both sides. */
function resolve_padding(p: Pair | 'valid' | 'same', k: Pair, d: Pair, where: string): [number, number] {
  if (p === 'valid') return [0, 0];
  if (p !== 'same') return pair(p);
  const [kh, kw] = pair(k);
  const [dh, dw] = pair(d);
  const tot = [dh * (kh - 1), dw * (kw - 1)];
  if (tot.some((t) => t % 2 !== 0))
    throw new Error(
      `${where}.from_float: padding='same' with kernel [${kh}, ${kw}] and dilation [${dh}, ${dw}] needs asymmetric padding, which the int8 conv does not support`,
    );
  return [tot[0] / 2, tot[1] / 2];
}

/** Keyword options of the quantized Conv2d constructors (torch's names and defaults). */
export interface QuantizedConv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  padding_mode?: 'zeros';
  dtype?: 'qint8';
  /** An output clamp [lo, hi] in quint8 levels: a relu / relu6 / hardtanh folded by compiler/passes/fold_clamps.ts. */
  out_clamp?: readonly [number, number] | null;
}

/** torch.ao.nn.quantized.Conv2d. Padding reads as the input zero point (torch's 'zeros' padding). */
export class Conv2d extends Module {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  in_channels: number;
  out_channels: number;
  kernel_size: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
  padding_mode = 'zeros' as const;
  scale = 1.0;
  zero_point = 0;
  _packed_params: Conv2dPackedParams;
  /** Output clamp in quint8 levels (null: none beyond ConvReLU2d's zero point): a folded relu6 / hardtanh / relu. */
  out_clamp: readonly [number, number] | null;
  protected readonly _relu: boolean = false;

  constructor(in_channels: number, out_channels: number, kernel_size: Pair, options: QuantizedConv2dOptions = {}) {
    super();
    const name = new.target.name;
    const groups = options.groups ?? 1;
    check_conv_channels(name, in_channels, out_channels, groups);
    check_padding_mode(name, options.padding_mode);
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = pair(kernel_size);
    this.stride = pair(options.stride ?? 1);
    this.padding = pair(options.padding ?? 0);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = groups;
    this.out_clamp = check_out_clamp(options.out_clamp, name);
    const [kh, kw] = this.kernel_size;
    const [w, b] = zero_weight_bias([out_channels, in_channels / groups, kh, kw], out_channels, options.bias);
    this._packed_params = this._pack(w, b);
  }

  private _pack(w: Tensor, b: Tensor | null): Conv2dPackedParams {
    return new Conv2dPackedParams(
      w,
      b,
      { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups },
      this.constructor.name,
    );
  }

  weight(): Tensor {
    return this._packed_params.weight;
  }
  bias(): Tensor | null {
    return this._packed_params.bias;
  }
  /** Replaces (and re-packs) the weight and bias. */
  set_weight_bias(w: Tensor, b: Tensor | null): void {
    const want = [this.out_channels, this.in_channels / this.groups, ...this.kernel_size];
    if (w.ndim !== 4 || w.shape.some((d, i) => d !== want[i])) {
      throw new Error(
        `${this.constructor.name}.set_weight_bias: weight must be [${want.join(', ')}], got [${w.shape.join(', ')}]`,
      );
    }
    this._packed_params = this._pack(w, b);
  }

  forward(x: Tensor): Tensor {
    const options = this.out_clamp ? { out_clamp: this.out_clamp } : {};
    return (this._relu ? conv2d_relu : conv2d)(x, this._packed_params, this.scale, this.zero_point, options);
  }

  _extra_state(prefix: string, out: Record<string, Tensor>): void {
    save_weighted_state(this, prefix, out);
  }
  _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[] {
    return load_weighted_state(this, prefix, sd, this.weight().shape);
  }

  extra_repr(): string {
    return `${this.in_channels}, ${this.out_channels}, kernel_size=(${this.kernel_size}), stride=(${this.stride}), scale=${this.scale}, zero_point=${this.zero_point}, padding=(${this.padding}), dilation=(${this.dilation}), groups=${this.groups}${this.out_clamp ? `, out_clamp=(${this.out_clamp})` : ''}`;
  }

  /** Builds the int8 module from an observed float Conv2d (or fused ConvReLU2d), as torch's from_float. */
  static from_float<T extends Conv2d>(
    this: new (
      i: number,
      o: number,
      k: Pair,
      opts?: QuantizedConv2dOptions,
    ) => T,
    mod: Module,
  ): T {
    const where = this.name;
    const { scale, zero_point, conv, weight: w, bias: b, observer } = observed_conv(mod, where);
    const q = new this(
      attr<number>(conv, 'in_channels', where),
      attr<number>(conv, 'out_channels', where),
      attr<Pair>(conv, 'kernel_size', where),
      {
        stride: attr<Pair>(conv, 'stride', where),
        padding: resolve_padding(
          attr<Pair | 'valid' | 'same'>(conv, 'padding', where),
          attr<Pair>(conv, 'kernel_size', where),
          attr<Pair>(conv, 'dilation', where),
          where,
        ),
        dilation: attr<Pair>(conv, 'dilation', where),
        groups: attr<number>(conv, 'groups', where),
        bias: b !== null,
      },
    );
    q.set_weight_bias(quantize_weight(w, observer, `${where}.from_float`), b);
    set_output_qparams(q, scale, zero_point, where);
    return q;
  }
}

/** torch.ao.nn.intrinsic.quantized.ConvReLU2d: Conv2d with the output clamped at its zero point. */
export class ConvReLU2d extends Conv2d {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  protected readonly _relu: boolean = true;
}
