/** nn.Conv1d and nn.ConvTranspose2d: torch's parameters (weight, bias), init and reprs. */
import { Tensor } from '../../tensor/tensor.js';
import { fmt, is_concrete, pair } from '../functional/_util.js';
import { conv_transpose2d } from '../functional/conv_transpose.js';
import { conv1d, single } from '../functional/conv1d.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { reset_weight_bias_ } from './_reset.js';
import { conv_extra_repr } from './conv.js';

function check_groups(op: string, cin: number, cout: number, groups: number): void {
  if (!(Number.isInteger(groups) && groups >= 1))
    throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  if (cin % groups !== 0) throw new Error(`${op}: in_channels (${cin}) must be divisible by groups (${groups})`);
  if (cout % groups !== 0) throw new Error(`${op}: out_channels (${cout}) must be divisible by groups (${groups})`);
}

/** Options of nn.Conv1d. */
export interface Conv1dLayerOptions {
  stride?: number | [number];
  padding?: number | [number] | 'valid' | 'same';
  dilation?: number | [number];
  groups?: number;
  bias?: boolean;
}

/** nn.Conv1d(in_channels, out_channels, kernel_size, {stride, padding, dilation, groups, bias}): weight [out, in/groups, k]. */
export class Conv1d extends Module {
  in_channels: number;
  out_channels: number;
  kernel_size: [number];
  stride: [number];
  padding: [number] | 'valid' | 'same';
  dilation: [number];
  groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: number | [number],
    options: Conv1dLayerOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    check_groups('Conv1d', in_channels, out_channels, groups);
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = [single(kernel_size, 'Conv1d', 'kernel_size')];
    this.stride = [single(options.stride ?? 1, 'Conv1d', 'stride')];
    const p = options.padding ?? 0;
    this.padding = typeof p === 'string' ? p : [single(p, 'Conv1d', 'padding')];
    if (p === 'same' && this.stride[0] !== 1)
      throw new Error("Conv1d: padding='same' is not supported for strided convolutions");
    this.dilation = [single(options.dilation ?? 1, 'Conv1d', 'dilation')];
    this.groups = groups;
    this.weight = new Parameter(Tensor.empty([out_channels, in_channels / groups, this.kernel_size[0]]));
    this.bias = (options.bias ?? true) ? new Parameter(Tensor.empty([out_channels])) : null;
    this.reset_parameters();
  }

  /** torch's init: kaiming_uniform_(a=√5) for the weight, U(±1/√fan_in) for the bias. */
  reset_parameters(): void {
    reset_weight_bias_(this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    if (is_concrete(input) && (input.ndim !== 3 || input.shape[1] !== this.in_channels))
      throw new Error(`Conv1d: expected input [N, ${this.in_channels}, L], got ${fmt(input.shape)}`);
    return conv1d(input, this.weight, this.bias, {
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

/** Options of nn.ConvTranspose2d. */
export interface ConvTranspose2dLayerOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  output_padding?: number | [number, number];
  groups?: number;
  bias?: boolean;
  dilation?: number | [number, number];
}

/**
 * nn.ConvTranspose2d(in_channels, out_channels, kernel_size, {stride, padding, output_padding, groups, bias,
 * dilation}): weight [in, out/groups, kh, kw] (in before out, unlike Conv2d), bias [out].
 */
export class ConvTranspose2d extends Module {
  in_channels: number;
  out_channels: number;
  kernel_size: [number, number];
  stride: [number, number];
  padding: [number, number];
  output_padding: [number, number];
  groups: number;
  dilation: [number, number];
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: number | [number, number],
    options: ConvTranspose2dLayerOptions = {},
  ) {
    super();
    const op = 'ConvTranspose2d';
    const groups = options.groups ?? 1;
    check_groups(op, in_channels, out_channels, groups);
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = pair(kernel_size, op, 'kernel_size');
    this.stride = pair(options.stride ?? 1, op, 'stride');
    this.padding = pair(options.padding ?? 0, op, 'padding');
    this.output_padding = pair(options.output_padding ?? 0, op, 'output_padding');
    this.groups = groups;
    this.dilation = pair(options.dilation ?? 1, op, 'dilation');
    this.weight = new Parameter(Tensor.empty([in_channels, out_channels / groups, ...this.kernel_size]));
    this.bias = (options.bias ?? true) ? new Parameter(Tensor.empty([out_channels])) : null;
    this.reset_parameters();
  }

  /** torch's _ConvNd init on this weight layout (fan_in = out/groups · kh · kw, as torch computes it). */
  reset_parameters(): void {
    reset_weight_bias_(this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    if (is_concrete(input) && (input.ndim !== 4 || input.shape[1] !== this.in_channels))
      throw new Error(`ConvTranspose2d: expected input [N, ${this.in_channels}, H, W], got ${fmt(input.shape)}`);
    return conv_transpose2d(input, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      output_padding: this.output_padding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }

  extra_repr(): string {
    return conv_extra_repr(this);
  }
}
