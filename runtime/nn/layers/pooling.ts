/** Pooling modules: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, calling F. */
import type { Tensor } from '../../tensor/tensor.js';
import { py_bool } from '../functional/_util.js';
import { adaptive_avg_pool2d, avg_pool2d, max_pool2d } from '../functional/pooling.js';
import { Module } from '../module.js';

type IntOrPair = number | [number, number];

function repr(v: IntOrPair | null): string {
  return v === null ? 'None' : typeof v === 'number' ? String(v) : `(${v.join(', ')})`;
}

/** Options of nn.MaxPool2d. */
export interface MaxPool2dLayerOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  return_indices?: boolean;
  ceil_mode?: boolean;
}

/** nn.MaxPool2d(kernel_size, {stride=kernel_size, padding=0, dilation=1, return_indices, ceil_mode}). */
export class MaxPool2d extends Module {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  kernel_size: IntOrPair;
  stride: IntOrPair;
  padding: IntOrPair;
  dilation: IntOrPair;
  return_indices: boolean;
  ceil_mode: boolean;
  constructor(kernel_size: IntOrPair, options: MaxPool2dLayerOptions = {}) {
    super();
    this.kernel_size = kernel_size;
    this.stride = options.stride ?? kernel_size;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.return_indices = options.return_indices ?? false;
    this.ceil_mode = options.ceil_mode ?? false;
  }
  /** The pooled tensor ([values, indices] when return_indices). */
  forward(input: Tensor): Tensor {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceil_mode: this.ceil_mode };
    if (this.return_indices)
      return max_pool2d(input, this.kernel_size, { ...opts, return_indices: true }) as unknown as Tensor;
    return max_pool2d(input, this.kernel_size, opts);
  }
  extra_repr(): string {
    return `kernel_size=${repr(this.kernel_size)}, stride=${repr(this.stride)}, padding=${repr(this.padding)}, dilation=${repr(this.dilation)}, ceil_mode=${py_bool(this.ceil_mode)}`;
  }
}

/** Options of nn.AvgPool2d. */
export interface AvgPool2dLayerOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/** nn.AvgPool2d(kernel_size, {stride=kernel_size, padding, ceil_mode, count_include_pad=true, divisor_override}). */
export class AvgPool2d extends Module {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  kernel_size: IntOrPair;
  stride: IntOrPair;
  padding: IntOrPair;
  ceil_mode: boolean;
  count_include_pad: boolean;
  divisor_override: number | null;
  constructor(kernel_size: IntOrPair, options: AvgPool2dLayerOptions = {}) {
    super();
    this.kernel_size = kernel_size;
    this.stride = options.stride ?? kernel_size;
    this.padding = options.padding ?? 0;
    this.ceil_mode = options.ceil_mode ?? false;
    this.count_include_pad = options.count_include_pad ?? true;
    this.divisor_override = options.divisor_override ?? null;
  }
  forward(input: Tensor): Tensor {
    return avg_pool2d(input, this.kernel_size, {
      stride: this.stride,
      padding: this.padding,
      ceil_mode: this.ceil_mode,
      count_include_pad: this.count_include_pad,
      divisor_override: this.divisor_override,
    });
  }
  extra_repr(): string {
    return `kernel_size=${repr(this.kernel_size)}, stride=${repr(this.stride)}, padding=${repr(this.padding)}`;
  }
}

/** nn.AdaptiveAvgPool2d(output_size): output_size an int, or a pair whose null entries keep the input size. */
export class AdaptiveAvgPool2d extends Module {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  output_size: number | [number | null, number | null];
  constructor(output_size: number | [number | null, number | null]) {
    super();
    this.output_size = output_size;
  }
  forward(input: Tensor): Tensor {
    return adaptive_avg_pool2d(input, this.output_size);
  }
  extra_repr(): string {
    const o = this.output_size;
    return `output_size=${typeof o === 'number' ? o : `(${o.map((v) => (v === null ? 'None' : v)).join(', ')})`}`;
  }
}
