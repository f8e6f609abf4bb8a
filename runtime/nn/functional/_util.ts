/**
 * Helpers shared by the functional ops and layers: input checks with op-named errors, torch's `_pair`,
 * and Python-style reprs for extra_repr strings.
 */
import { is_tracing } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';

/** Formats a shape as torch prints it in messages: [8, 16, 14, 14]. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * True for a real (not traced) tensor: layers check shapes only then, since a traced value's shape is
 * itself a graph node (F re-checks at run time anyway).
 */
export function is_concrete(x: unknown): x is Tensor {
  return x instanceof Tensor && !is_tracing();
}

/** Throws unless `x` is a float32 tensor; quantized inputs get a hint to dequantize. */
export function check_float(x: unknown, op: string, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${typeof x}`);
  if (x.is_quantized) {
    throw new Error(`${op}: ${what} is a quantized tensor (${x.dtype}); dequantize() it or use the quantized module`);
  }
  if (x.dtype !== 'float32') throw new Error(`${op}: ${what} must be float32, got ${x.dtype}`);
}

/** torch's `_pair`: a number becomes [n, n]; a pair is checked and copied. */
export function pair(v: number | readonly number[], op: string, name: string): [number, number] {
  // kernel sizes, strides, paddings and dilations: integers (a loaded graph may hold anything here)
  const int = (x: unknown): number => {
    if (!Number.isSafeInteger(x)) throw new Error(`${op}: ${name} must hold integers, got ${String(x)}`);
    return x as number;
  };
  if (typeof v === 'number') return [int(v), v];
  if (!Array.isArray(v)) throw new Error(`${op}: ${name} must be an int or a pair, got ${typeof v}`);
  if (v.length === 1) return [int(v[0]), v[0]];
  if (v.length !== 2) throw new Error(`${op}: ${name} must be an int or a pair, got [${v.join(', ')}]`);
  return [int(v[0]), int(v[1])];
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

/** The logistic function, overflow-free; for kernels that fuse it (the RNN cells). */
export function sigmoid_scalar(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}
