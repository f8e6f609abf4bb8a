import type { Shape, Tensor } from './tensor.js';

/** Helpers shared by shape ops and reductions: dim wrapping and error text. */

/** `[2, 3]` as errors print shapes. */
export function fmt_shape(shape: Shape): string {
  // error paths call this on whatever they were given (a loaded graph can pass a string for a tensor)
  if (!Array.isArray(shape)) return `(no shape: ${typeof shape})`;
  return `[${shape.join(', ')}]`;
}

/**
 * Wraps a possibly negative dim into [0, ndim), or throws as torch does. A 0-d tensor accepts
 * dims -1 and 0 (torch treats it as having one dim for wrapping).
 */
export function wrap_dim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new Error(`${op}: dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Wraps a list of dims, rejecting repeats. */
export function wrap_dims(dims: readonly number[], ndim: number, op: string): number[] {
  const out = dims.map((d) => wrap_dim(d, ndim, op));
  const seen = new Set<number>();
  for (const d of out) {
    if (seen.has(d)) throw new Error(`${op}: dim ${d} appears multiple times in the list of dims [${dims.join(', ')}]`);
    seen.add(d);
  }
  return out;
}

/** Accepts `f(2, 3)` and `f([2, 3])` spellings of a size/dims list. */
export function as_list(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  for (const a of args) {
    if (typeof a !== 'number') throw new Error(`expected a list of numbers, got ${JSON.stringify(args)}`);
  }
  return args as number[];
}

/** Throws when `x` is quantized: float ops must not silently read the integer representation. */
export function reject_quantized(x: Tensor, op: string): void {
  if (x.is_quantized) {
    throw new Error(`${op}: got a quantized tensor (${x.dtype}); dequantize() it or use the quantized op`);
  }
}

/** Throws unless `x` is floating point: ops with gradients and transcendental math need float32. */
export function require_float(x: Tensor, op: string): void {
  reject_quantized(x, op);
  if (x.dtype !== 'float32') {
    throw new Error(`${op}: expected a float32 tensor, got ${x.dtype} with shape ${fmt_shape(x.shape)}`);
  }
}
