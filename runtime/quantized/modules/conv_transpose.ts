/**
 * nn.quantized.ConvTranspose2d (torch.ao.nn.quantized.ConvTranspose2d, qnnpack): quint8 NCHW in and out, a qint8
 * weight [in, out/groups, kh, kw] (per tensor, or per channel along axis 1 with groups 1: qnnpack reads a
 * transposed conv's per-channel qparams by output channel), float bias [out]. State: weight, weight_scale,
 * weight_zero_point ([1] or [out]), bias, scale, zero_point.
 */
import { Module } from '../../nn/module.js';
import { quantize_per_channel, quantize_per_tensor } from '../../quant/qtensor.js';
import { Tensor } from '../../tensor/tensor.js';
import { ConvTranspose2dPacked, conv_transpose2d } from '../functional/conv_transpose.js';
import { check_out_qparams, describe } from '../qtensor.js';
import { check_conv_channels, check_padding_mode, set_output_qparams, zero_weight_bias } from './_conv_common.js';
import { qconv_extra_repr } from './conv1d.js';
import { attr, float_bias, output_qparams, qconfig_of } from './from_float.js';
import { write_weight_state } from './state.js';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
const fround = Math.fround;

/** Keyword options of nn.quantized.ConvTranspose2d (torch's names and defaults). */
export interface QuantizedConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  output_padding?: Pair;
  groups?: number;
  bias?: boolean;
  dilation?: Pair;
  padding_mode?: 'zeros';
}

/** torch.ao.nn.quantized.ConvTranspose2d. */
export class ConvTranspose2d extends Module {
  in_channels: number;
  out_channels: number;
  kernel_size: [number, number];
  stride: [number, number];
  padding: [number, number];
  output_padding: [number, number];
  dilation: [number, number];
  groups: number;
  padding_mode = 'zeros' as const;
  scale = 1.0;
  zero_point = 0;
  _packed_params: ConvTranspose2dPacked;

  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: Pair,
    options: QuantizedConvTranspose2dOptions = {},
  ) {
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
    this.output_padding = pair(options.output_padding ?? 0);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = groups;
    if (!this.kernel_size.every((k) => Number.isInteger(k) && k >= 1))
      throw new Error(`${name}: kernel_size [${this.kernel_size}] must be positive integers`);
    const [w, b] = zero_weight_bias(
      [in_channels, out_channels / groups, ...this.kernel_size],
      out_channels,
      options.bias,
    );
    this._packed_params = this._pack(w, b);
  }

  private _pack(w: Tensor, b: Tensor | null): ConvTranspose2dPacked {
    const { stride, padding, output_padding, dilation, groups } = this;
    return new ConvTranspose2dPacked(
      w,
      b,
      { stride, padding, output_padding, dilation, groups },
      this.constructor.name,
    );
  }

  /** The qint8 weight [in, out/groups, kh, kw]. */
  weight(): Tensor {
    return this._packed_params.weight;
  }
  bias(): Tensor | null {
    return this._packed_params.bias;
  }
  /** Replaces (and re-packs) the weight and bias. */
  set_weight_bias(w: Tensor, b: Tensor | null): void {
    const want = [this.in_channels, this.out_channels / this.groups, ...this.kernel_size];
    if (!(w instanceof Tensor) || w.ndim !== 4 || w.shape.some((d, i) => d !== want[i]))
      throw new Error(
        `${this.constructor.name}.set_weight_bias: weight must be [${want.join(', ')}], got ${describe(w)}`,
      );
    if (
      b !== null &&
      (!(b instanceof Tensor) || b.dtype !== 'float32' || b.ndim !== 1 || b.shape[0] !== this.out_channels)
    )
      throw new Error(
        `${this.constructor.name}.set_weight_bias: bias must be float32 [${this.out_channels}], got ${describe(b)}`,
      );
    this._packed_params = this._pack(w, b);
  }

  forward(x: Tensor): Tensor {
    return conv_transpose2d(x, this._packed_params, this.scale, this.zero_point);
  }

  _extra_state(prefix: string, out: Record<string, Tensor>): void {
    write_weight_state(prefix, out, this.weight(), this.bias(), this.scale, this.zero_point);
  }

  /** Reads weight (with [1] or [out] qparams along axis 1), bias and output qparams; [] when keys are missing. */
  _load_extra_state(prefix: string, sd: Record<string, Tensor>): string[] {
    const where = `${this.constructor.name}.load_state_dict`;
    const has_bias = this.bias() !== null;
    const keys = ['weight', 'weight_scale', 'weight_zero_point', 'scale', 'zero_point', ...(has_bias ? ['bias'] : [])];
    if (keys.some((k) => !(sd[`${prefix}${k}`] instanceof Tensor))) return [];
    const w = sd[`${prefix}weight`];
    const want = [this.in_channels, this.out_channels / this.groups, ...this.kernel_size];
    if (w.ndim !== 4 || w.shape.some((d, i) => d !== want[i]) || (w.dtype !== 'qint8' && w.dtype !== 'int8'))
      throw new Error(`${where}: "${prefix}weight" must be qint8 [${want.join(', ')}], got ${describe(w)}`);
    const ws = sd[`${prefix}weight_scale`];
    const wz = sd[`${prefix}weight_zero_point`];
    const n = ws.numel();
    if (wz.numel() !== n || (n !== 1 && n !== want[1]))
      throw new Error(`${where}: "${prefix}weight_scale" / "weight_zero_point" need 1 or ${want[1]} values each`);
    if (sd[`${prefix}bias`] && !has_bias)
      throw new Error(`${where}: module has no bias but the state_dict has "${prefix}bias"`);
    const weight = new Tensor(Int8Array.from(w.data), w.shape, 'qint8');
    weight.quantizer =
      n === 1
        ? { kind: 'per_tensor', scale: fround(ws.data[0]), zero_point: wz.data[0] }
        : {
            kind: 'per_channel',
            scales: Float64Array.from(ws.data, (s) => fround(s)),
            zero_points: Int32Array.from(wz.data),
            axis: 1,
          };
    const b = has_bias ? sd[`${prefix}bias`] : null;
    const scale = sd[`${prefix}scale`].data[0];
    const zero_point = sd[`${prefix}zero_point`].data[0];
    check_out_qparams(scale, zero_point, where);
    this.set_weight_bias(weight, b ? new Tensor(Float32Array.from(b.data), b.shape, 'float32') : null);
    this.scale = scale;
    this.zero_point = zero_point;
    return keys.map((k) => `${prefix}${k}`);
  }

  extra_repr(): string {
    return qconv_extra_repr(this);
  }

  /**
   * From an observed float ConvTranspose2d, as torch's from_float: the weight quantized with a fresh
   * qconfig.weight() observer (per tensor; a per-channel observer must use ch_axis 1 and groups 1), the output
   * qparams from the module's activation_post_process.
   */
  static from_float(mod: Module): ConvTranspose2d {
    const where = 'ConvTranspose2d';
    const [scale, zero_point] = output_qparams(mod, where);
    const observer = qconfig_of(mod, where).weight();
    const w = attr<Tensor>(mod, 'weight', where);
    const groups = attr<number>(mod, 'groups', where);
    observer.forward(w);
    if (observer.dtype !== undefined && observer.dtype !== 'qint8')
      throw new Error(`${where}.from_float: weight observer dtype must be qint8, got ${observer.dtype}`);
    const [s, z] = observer.calculate_qparams();
    const per_channel = observer.qscheme === 'per_channel_affine' || observer.qscheme === 'per_channel_symmetric';
    if (per_channel && ((observer.ch_axis ?? 0) !== 1 || groups !== 1))
      throw new Error(
        `${where}.from_float: qnnpack reads a transposed conv's per-channel weight qparams by output channel: use a per-tensor weight observer, or ch_axis 1 with groups 1 (got ch_axis ${observer.ch_axis ?? 0}, groups ${groups})`,
      );
    const qw = per_channel
      ? quantize_per_channel(w, s, z, 1, 'qint8')
      : quantize_per_tensor(w, s.data[0], z.data[0], 'qint8');
    const b = float_bias(mod);
    const q = new ConvTranspose2d(
      attr<number>(mod, 'in_channels', where),
      attr<number>(mod, 'out_channels', where),
      attr<Pair>(mod, 'kernel_size', where),
      {
        stride: attr<Pair>(mod, 'stride', where),
        padding: attr<Pair>(mod, 'padding', where),
        output_padding: attr<Pair>(mod, 'output_padding', where),
        dilation: attr<Pair>(mod, 'dilation', where),
        groups,
        bias: b !== null,
      },
    );
    q.set_weight_bias(qw, b);
    set_output_qparams(q, scale, zero_point, where);
    return q;
  }
}
