/**
 * nn.quantized.Conv1d and nn.intrinsic.quantized.ConvReLU1d (torch.ao.nn.quantized.Conv1d): quint8 [N, C, L]
 * in and out, a qint8 weight [out, in/groups, k] (per tensor, or per channel along axis 0). The weight is
 * packed as the 2-d kernel [out, in/groups, 1, k], as torch's qnnpack conv1d does.
 */
import { py_float, py_tuple } from '../../nn/functional/_util.js';
import { Module } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
import { conv1d, conv1d_relu } from '../functional/conv1d.js';
import { Conv2dPackedParams } from '../packed_params.js';
import { describe } from '../qtensor.js';
import { check_padding_mode, observed_conv, set_output_qparams, zero_weight_bias } from './_conv_common.js';
import { attr, quantize_weight } from './from_float.js';
import { load_weighted_state, save_weighted_state } from './state.js';

type Single = number | [number];
const single = (v: Single): number => (typeof v === 'number' ? v : v[0]);

/** Keyword options of the quantized Conv1d constructors (torch's names and defaults). */
export interface QuantizedConv1dOptions {
  stride?: Single;
  padding?: Single;
  dilation?: Single;
  groups?: number;
  bias?: boolean;
  padding_mode?: 'zeros';
}

/** torch's quantized _ConvNd.extra_repr: scale and zero point, then only the non-default options. */
export function qconv_extra_repr(m: {
  in_channels: number;
  out_channels: number;
  kernel_size: readonly number[];
  stride: readonly number[];
  padding: readonly number[];
  dilation: readonly number[];
  output_padding?: readonly number[];
  groups: number;
  scale: number;
  zero_point: number;
  bias(): Tensor | null;
}): string {
  let s = `${m.in_channels}, ${m.out_channels}, kernel_size=${py_tuple(m.kernel_size)}, stride=${py_tuple(m.stride)}, scale=${py_float(m.scale)}, zero_point=${m.zero_point}`;
  if (m.padding.some((v) => v !== 0)) s += `, padding=${py_tuple(m.padding)}`;
  if (m.dilation.some((v) => v !== 1)) s += `, dilation=${py_tuple(m.dilation)}`;
  if (m.output_padding?.some((v) => v !== 0)) s += `, output_padding=${py_tuple(m.output_padding)}`;
  if (m.groups !== 1) s += `, groups=${m.groups}`;
  if (m.bias() === null) s += ', bias=False';
  return s;
}

/** A float conv's 1-d padding as a number: 'valid' is 0; 'same' is dilation·(k−1)/2 when that is whole. */
function resolve_padding(p: Single | 'valid' | 'same', k: number, d: number, where: string): number {
  if (p === 'valid') return 0;
  if (p !== 'same') return single(p);
  if ((d * (k - 1)) % 2 !== 0)
    throw new Error(
      `${where}.from_float: padding='same' with kernel ${k} and dilation ${d} needs asymmetric padding, which the int8 conv does not support`,
    );
  return (d * (k - 1)) / 2;
}

/** torch.ao.nn.quantized.Conv1d. Padding reads as the input zero point (torch's 'zeros' padding). */
export class Conv1d extends Module {
  in_channels: number;
  out_channels: number;
  kernel_size: [number];
  stride: [number];
  padding: [number];
  dilation: [number];
  groups: number;
  padding_mode = 'zeros' as const;
  scale = 1.0;
  zero_point = 0;
  _packed_params: Conv2dPackedParams;
  protected readonly _relu: boolean = false;

  constructor(in_channels: number, out_channels: number, kernel_size: Single, options: QuantizedConv1dOptions = {}) {
    super();
    const name = new.target.name;
    const groups = options.groups ?? 1;
    const k = single(kernel_size);
    const [s, p, d] = [single(options.stride ?? 1), single(options.padding ?? 0), single(options.dilation ?? 1)];
    if (
      ![in_channels, out_channels, groups, k, s, d].every((v) => Number.isInteger(v) && v >= 1) ||
      !(Number.isInteger(p) && p >= 0) ||
      in_channels % groups !== 0 ||
      out_channels % groups !== 0
    ) {
      throw new Error(
        `${name}: in_channels ${in_channels} and out_channels ${out_channels} must be positive multiples of groups ${groups}; kernel_size ${k}, stride ${s}, dilation ${d} positive, padding ${p} ≥ 0`,
      );
    }
    check_padding_mode(name, options.padding_mode);
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = [k];
    this.stride = [s];
    this.padding = [p];
    this.dilation = [d];
    this.groups = groups;
    const [w, b] = zero_weight_bias([out_channels, in_channels / groups, k], out_channels, options.bias);
    this._packed_params = this._pack(w, b);
  }

  /** Packs the 3-d weight as the 2-d kernel [out, in/groups, 1, k] (same data, same qparams). */
  private _pack(w: Tensor, b: Tensor | null): Conv2dPackedParams {
    const w4 = new Tensor(w.data, [w.shape[0], w.shape[1], 1, w.shape[2]], 'qint8');
    w4.quantizer = w.quantizer;
    const geometry = {
      stride: [1, this.stride[0]] as [number, number],
      padding: [0, this.padding[0]] as [number, number],
      dilation: [1, this.dilation[0]] as [number, number],
      groups: this.groups,
    };
    return new Conv2dPackedParams(w4, b, geometry, this.constructor.name);
  }

  /** The qint8 weight [out, in/groups, k]. */
  weight(): Tensor {
    const w4 = this._packed_params.weight;
    const w = new Tensor(w4.data, [w4.shape[0], w4.shape[1], w4.shape[3]], 'qint8');
    w.quantizer = w4.quantizer;
    return w;
  }
  bias(): Tensor | null {
    return this._packed_params.bias;
  }
  /** Replaces (and re-packs) the weight and bias. */
  set_weight_bias(w: Tensor, b: Tensor | null): void {
    const want = [this.out_channels, this.in_channels / this.groups, this.kernel_size[0]];
    if (!(w instanceof Tensor) || w.ndim !== 3 || w.shape.some((d, i) => d !== want[i]))
      throw new Error(
        `${this.constructor.name}.set_weight_bias: weight must be [${want.join(', ')}], got ${describe(w)}`,
      );
    if (w.quantizer?.kind === 'per_channel' && w.quantizer.axis !== 0)
      throw new Error(`${this.constructor.name}.set_weight_bias: a per-channel weight must be quantized along axis 0`);
    this._packed_params = this._pack(w, b);
  }

  forward(x: Tensor): Tensor {
    return (this._relu ? conv1d_relu : conv1d)(x, this._packed_params, this.scale, this.zero_point);
  }

  _extra_state(prefix: string, out: Record<string, Tensor>): void {
    save_weighted_state(this, prefix, out);
  }
  _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[] {
    return load_weighted_state(this, prefix, sd, this.weight().shape);
  }

  extra_repr(): string {
    return qconv_extra_repr(this);
  }

  /** Builds the int8 module from an observed float Conv1d (or fused ConvReLU1d / QAT module), as torch's from_float. */
  static from_float<T extends Conv1d>(
    this: new (
      i: number,
      o: number,
      k: Single,
      opts?: QuantizedConv1dOptions,
    ) => T,
    mod: Module,
  ): T {
    const where = this.name;
    const { scale, zero_point, conv, weight: w, bias: b, observer } = observed_conv(mod, where);
    const k = single(attr<Single>(conv, 'kernel_size', where));
    const d = single(attr<Single>(conv, 'dilation', where));
    const q = new this(attr<number>(conv, 'in_channels', where), attr<number>(conv, 'out_channels', where), k, {
      stride: attr<Single>(conv, 'stride', where),
      padding: resolve_padding(attr<Single | 'valid' | 'same'>(conv, 'padding', where), k, d, where),
      dilation: d,
      groups: attr<number>(conv, 'groups', where),
      bias: b !== null,
    });
    q.set_weight_bias(quantize_weight(w, observer, `${where}.from_float`), b);
    set_output_qparams(q, scale, zero_point, where);
    return q;
  }
}

/** torch.ao.nn.intrinsic.quantized.ConvReLU1d: Conv1d with the output clamped at its zero point. */
export class ConvReLU1d extends Conv1d {
  protected readonly _relu: boolean = true;
}
