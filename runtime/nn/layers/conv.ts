import { Tensor } from '../../tensor/tensor.js';
import { fmt, is_concrete, pair, py_tuple } from '../functional/_util.js';
import { conv2d } from '../functional/conv.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { reset_weight_bias_ } from './_reset.js';

/** Options of nn.Conv2d (torch's keyword arguments). */
export interface Conv2dLayerOptions {
  stride?: number | [number, number];
  /** A number, a pair, or 'valid' / 'same'. */
  padding?: number | [number, number] | 'valid' | 'same';
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  /** Only 'zeros' is implemented. */
  padding_mode?: 'zeros';
}

/**
 * nn.Conv2d(in_channels, out_channels, kernel_size, {stride, padding, dilation, groups, bias}):
 * weight [out, in/groups, kh, kw], bias [out]; NCHW input.
 */
export class Conv2d extends Module {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  in_channels: number;
  out_channels: number;
  kernel_size: [number, number];
  stride: [number, number];
  padding: [number, number] | 'valid' | 'same';
  dilation: [number, number];
  groups: number;
  padding_mode: 'zeros';
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: number | [number, number],
    options: Conv2dLayerOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    if (!(Number.isInteger(groups) && groups >= 1))
      throw new Error(`Conv2d: groups must be a positive integer, got ${groups}`);
    if (in_channels % groups !== 0)
      throw new Error(`Conv2d: in_channels (${in_channels}) must be divisible by groups (${groups})`);
    if (out_channels % groups !== 0)
      throw new Error(`Conv2d: out_channels (${out_channels}) must be divisible by groups (${groups})`);
    const padding_mode = options.padding_mode ?? 'zeros';
    if (padding_mode !== 'zeros')
      throw new Error(`Conv2d: padding_mode '${padding_mode}' is not implemented (only 'zeros')`);
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = pair(kernel_size, 'Conv2d', 'kernel_size');
    this.stride = pair(options.stride ?? 1, 'Conv2d', 'stride');
    const p = options.padding ?? 0;
    this.padding = typeof p === 'string' ? p : pair(p, 'Conv2d', 'padding');
    if (p === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
      throw new Error("Conv2d: padding='same' is not supported for strided convolutions");
    }
    this.dilation = pair(options.dilation ?? 1, 'Conv2d', 'dilation');
    this.groups = groups;
    this.padding_mode = padding_mode;
    this.weight = new Parameter(Tensor.empty([out_channels, in_channels / groups, ...this.kernel_size]));
    this.bias = (options.bias ?? true) ? new Parameter(Tensor.empty([out_channels])) : null;
    this.reset_parameters();
  }

  /** torch's init: kaiming_uniform_(a=√5) for the weight, U(±1/√fan_in) for the bias. */
  reset_parameters(): void {
    reset_weight_bias_(this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    if (is_concrete(input) && (input.ndim !== 4 || input.shape[1] !== this.in_channels)) {
      throw new Error(`Conv2d: expected input [N, ${this.in_channels}, H, W], got ${fmt(input.shape)}`);
    }
    return conv2d(input, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  extra_repr(): string {
    return conv_extra_repr(this);
  }
}

/** What torch's _ConvNd.extra_repr needs of a conv module. */
export interface ConvReprFields {
  in_channels: number;
  out_channels: number;
  kernel_size: readonly number[];
  stride: readonly number[];
  padding: readonly number[] | string;
  dilation: readonly number[];
  output_padding?: readonly number[];
  groups: number;
  bias: Parameter | null;
}

/** torch's _ConvNd.extra_repr: non-default padding, dilation, output_padding, groups and bias only. */
export function conv_extra_repr(m: ConvReprFields): string {
  let s = `${m.in_channels}, ${m.out_channels}, kernel_size=${py_tuple(m.kernel_size)}, stride=${py_tuple(m.stride)}`;
  const p = m.padding;
  if (typeof p === 'string') s += `, padding=${p}`;
  else if (p.some((v) => v !== 0)) s += `, padding=${py_tuple(p)}`;
  if (m.dilation.some((v) => v !== 1)) s += `, dilation=${py_tuple(m.dilation)}`;
  if (m.output_padding?.some((v) => v !== 0)) s += `, output_padding=${py_tuple(m.output_padding)}`;
  if (m.groups !== 1) s += `, groups=${m.groups}`;
  if (m.bias === null) s += ', bias=False';
  return s;
}
