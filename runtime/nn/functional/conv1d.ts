/**
 * F.conv1d: a 1-d convolution over [N, C, L] is F.conv2d over [N, C, 1, L] with a [out, in/groups, 1, k]
 * kernel, so it shares conv2d's kernels and backward (autograd flows through the unsqueeze/squeeze views).
 */
import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt } from './_util.js';
import { conv2d } from './conv.js';

/** Options of F.conv1d (torch's keyword arguments); a length may be a number or a 1-tuple. */
export interface Conv1dOptions {
  stride?: number | [number];
  /** A number, a 1-tuple, or 'valid' / 'same'. */
  padding?: number | [number] | 'valid' | 'same';
  dilation?: number | [number];
  groups?: number;
}

/** torch's `_single`: a number or a 1-tuple of an integer. */
export function single(v: number | readonly number[], op: string, name: string): number {
  const n = typeof v === 'number' ? v : v.length === 1 ? v[0] : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`${op}: ${name} must be an int or a 1-tuple, got ${String(v)}`);
  return n;
}

function conv1d_impl(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv1dOptions = {}): Tensor {
  const op = 'F.conv1d';
  check_float(input, op);
  check_float(weight, op, 'weight');
  if (weight.ndim !== 3) throw new Error(`${op}: weight must be 3-d [out, in/groups, k], got ${fmt(weight.shape)}`);
  if (input.ndim !== 3) throw new Error(`${op}: expected input [N, C, L], got ${fmt(input.shape)}`);
  const p = options.padding ?? 0;
  const y = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, {
    stride: [1, single(options.stride ?? 1, op, 'stride')],
    padding: typeof p === 'string' ? p : [0, single(p, op, 'padding')],
    dilation: [1, single(options.dilation ?? 1, op, 'dilation')],
    groups: options.groups ?? 1,
  });
  return y.squeeze(2);
}

/** F.conv1d(input, weight, bias?, {stride, padding, dilation, groups}): [N, C, L] 1-d convolution. */
export const conv1d = define_function('F.conv1d', conv1d_impl);
