/**
 * Helpers shared by the functional ops: input checks with op-named errors, torch's `_pair`,
 * and the elementwise-with-gradient pattern every activation uses.
 */
import { record_grad } from '../../autograd/function.js';
import { Tensor } from '../../tensor/tensor.js';

/** Formats a shape as torch prints it in messages: [8, 16, 14, 14]. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws unless `x` is a float32 tensor; quantized inputs get a hint to dequantize. */
export function check_float(x: unknown, op: string, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${typeof x}`);
  if (x.is_quantized) {
    throw new Error(`${op}: ${what} is a quantized tensor (${x.dtype}); dequantize() it or use the quantized module`);
  }
  if (x.dtype !== 'float32') throw new Error(`${op}: ${what} must be float32, got ${x.dtype}`);
}

/** Throws unless `x` has `ndim` dims (or one of the listed counts), naming the expected layout. */
export function check_ndim(x: Tensor, ndims: readonly number[], op: string, layout: string): void {
  if (!ndims.includes(x.ndim)) throw new Error(`${op}: expected a ${layout} input, got shape ${fmt(x.shape)}`);
}

/** torch's `_pair`: a number becomes [n, n]; a pair is checked and copied. */
export function pair(v: number | readonly number[], op: string, name: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (v.length === 1) return [v[0], v[0]];
  if (v.length !== 2) throw new Error(`${op}: ${name} must be an int or a pair, got [${v.join(', ')}]`);
  return [v[0], v[1]];
}

/** Wraps a possibly negative dim into [0, ndim) or throws naming the op. */
export function wrap_dim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new Error(`${op}: dim ${dim} is out of range for a ${ndim}-d tensor (expected in [${-n}, ${n - 1}])`);
  }
  return dim < 0 ? dim + n : dim;
}

/**
 * y = f(x) elementwise, with dL/dx = g · df(x, y). `df` sees both input and output so
 * activations like sigmoid/tanh reuse the output instead of recomputing.
 */
export function unary_op(
  x: Tensor,
  op: string,
  backward_name: string,
  f: (v: number) => number,
  df: (v: number, y: number) => number,
): Tensor {
  check_float(x, op);
  const xd = x.data;
  const yd = new Float32Array(xd.length);
  for (let i = 0; i < xd.length; i++) yd[i] = f(xd[i]);
  const out = new Tensor(yd, x.shape, 'float32');
  return record_grad(out, [x], backward_name, (g) => {
    const gd = g.data;
    const gx = new Float32Array(xd.length);
    for (let i = 0; i < xd.length; i++) gx[i] = gd[i] * df(xd[i], yd[i]);
    return [new Tensor(gx, x.shape, 'float32')];
  });
}

/** Python's repr of a float (1e-05, 0.1, 1.0), for extra_repr strings that must read like torch's. */
export function py_float(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [m, e] = v.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

/** Python's repr of a tuple of ints: (3, 3) or (10,). */
export function py_tuple(v: readonly number[]): string {
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`;
}

/** Python's repr of a bool. */
export function py_bool(v: boolean): string {
  return v ? 'True' : 'False';
}
