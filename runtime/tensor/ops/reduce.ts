import { record_grad } from '../../autograd/function.js';
import { broadcast_strides, sum_into } from '../broadcast.js';
import { fmt_shape, reject_quantized, wrap_dims } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import type { TypedArray } from '../dtype.js';
import { strided_gather } from '../strided.js';
import { type Shape, Tensor } from '../tensor.js';
import { div, mul, sub } from './binary.js';
import { sqrt } from './unary.js';

/** Sum-like reductions over dims (a number, a list, or all): sum, mean, var, std. */

/** Dims to reduce: null/undefined/[] mean all (torch's sum(dim=[]) reduces everything too). */
export type DimArg = number | readonly number[] | null | undefined;

/** The reduced dims and the keepdim/squeezed output shapes. */
export interface ReducePlan {
  dims: boolean[];
  keep_shape: number[];
  out_shape: number[];
  count: number;
}

/** Resolves `dim`/`keepdim` against `shape` (wrapping and validating dims) into a ReducePlan. */
export function reduce_plan(shape: Shape, dim: DimArg, keepdim: boolean, op: string): ReducePlan {
  const n = shape.length;
  const list = dim === null || dim === undefined ? [] : typeof dim === 'number' ? [dim] : [...dim];
  const wrapped = wrap_dims(list, n, op);
  const dims = new Array<boolean>(n).fill(list.length === 0);
  for (const d of wrapped) if (d < n) dims[d] = true;
  const keep_shape = shape.map((s, i) => (dims[i] ? 1 : s));
  const out_shape = keepdim ? keep_shape : shape.filter((_, i) => !dims[i]);
  let count = 1;
  for (let i = 0; i < n; i++) if (dims[i]) count *= shape[i];
  return { dims, keep_shape, out_shape, count };
}

/** Σ over the plan's dims into a float64 array of the kept shape's size. */
export function sum_kernel(x: TypedArray, shape: Shape, plan: ReducePlan): Float64Array {
  const out = new Float64Array(plan.keep_shape.reduce((p, d) => p * d, 1));
  sum_into(x, shape, broadcast_strides(plan.keep_shape, shape), out);
  return out;
}

/** Broadcasts a gradient of the kept shape back over the reduced dims, times `scale`. */
export function spread_grad(g: Tensor, plan: ReducePlan, in_shape: Shape, scale: number): Tensor {
  const n = in_shape.reduce((p, d) => p * d, 1);
  const r = strided_gather(g.data, 0, in_shape, broadcast_strides(plan.keep_shape, in_shape), new Float32Array(n));
  if (scale !== 1) for (let i = 0; i < n; i++) r[i] *= scale;
  return new Tensor(r, in_shape, 'float32');
}

function sum_impl(x: Tensor, dim: DimArg = null, keepdim = false): Tensor {
  reject_quantized(x, 'sum');
  const plan = reduce_plan(x.shape, dim, keepdim, 'sum');
  const acc = sum_kernel(x.data, x.shape, plan);
  // integer and bool sums are int64 in torch
  const float = x.dtype === 'float32';
  const out = new Tensor(float ? Float32Array.from(acc) : acc, plan.out_shape, float ? 'float32' : 'int64');
  const in_shape = x.shape;
  return record_grad(out, [x], 'SumBackward', (g) => [spread_grad(g, plan, in_shape, 1)]);
}

function mean_impl(x: Tensor, dim: DimArg = null, keepdim = false): Tensor {
  reject_quantized(x, 'mean');
  if (x.dtype !== 'float32') {
    throw new Error(
      `mean: could not infer output dtype; input dtype must be floating point, got ${x.dtype} (shape ${fmt_shape(x.shape)})`,
    );
  }
  const plan = reduce_plan(x.shape, dim, keepdim, 'mean');
  const acc = sum_kernel(x.data, x.shape, plan);
  const o = new Float32Array(acc.length);
  for (let i = 0; i < o.length; i++) o[i] = acc[i] / plan.count;
  const out = new Tensor(o, plan.out_shape, 'float32');
  const in_shape = x.shape;
  return record_grad(out, [x], 'MeanBackward', (g) => [spread_grad(g, plan, in_shape, 1 / plan.count)]);
}

/** Options of var/std, as torch's keyword arguments. */
export interface VarOptions {
  /** Divide by N − correction (default 1, Bessel's correction). */
  correction?: number;
  /** Legacy spelling: unbiased=false is correction=0. */
  unbiased?: boolean;
  keepdim?: boolean;
}

function var_impl(x: Tensor, dim: DimArg = null, options: VarOptions = {}): Tensor {
  reject_quantized(x, 'var');
  if (x.dtype !== 'float32')
    throw new Error(`var: expected a float32 tensor, got ${x.dtype} (shape ${fmt_shape(x.shape)})`);
  const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
  const keepdim = options.keepdim ?? false;
  const plan = reduce_plan(x.shape, dim, keepdim, 'var');
  // two-pass (mean first) for accuracy; built from differentiable ops so the gradient comes free
  const centered = sub(x, mean_impl(x, dim, true));
  const ss = sum_impl(mul(centered, centered), dim, keepdim);
  return div(ss, Math.max(0, plan.count - correction));
}

function std_impl(x: Tensor, dim: DimArg = null, options: VarOptions = {}): Tensor {
  return sqrt(var_impl(x, dim, options));
}

/** torch.sum(x, dim=None, keepdim=False); integer inputs sum to int64. */
export const sum = define_function('sum', sum_impl);
/** torch.mean(x, dim=None, keepdim=False) (float32 only, as torch). */
export const mean = define_function('mean', mean_impl);
/** torch.var(x, dim=None, { correction=1, keepdim=False }). */
export const var_ = define_function('var', var_impl);
/** torch.std(x, dim=None, { correction=1, keepdim=False }). */
export const std = define_function('std', std_impl);

define_method('sum', sum_impl);
define_method('mean', mean_impl);
define_method('var', var_impl);
define_method('std', std_impl);
