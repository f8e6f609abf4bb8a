import { type Shape, Tensor } from './tensor.js';

/** The broadcast shape of two shapes, or an error naming the op and the clashing dimension. */
export function broadcast_shapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast (dim ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Row-major strides of `shape` aligned to `out_shape`, with 0 where a dim is broadcast. */
export function broadcast_strides(shape: Shape, out_shape: Shape): number[] {
  const n = out_shape.length;
  const strides = new Array<number>(n).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const oi = n - shape.length + i;
    strides[oi] = shape[i] === 1 && out_shape[oi] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Calls `fn(i_out, i_a, i_b)` for every output element of a broadcast binary op,
 * with flat indices into the output and both inputs.
 */
export function for_each_broadcast(
  a_shape: Shape,
  b_shape: Shape,
  out_shape: Shape,
  fn: (io: number, ia: number, ib: number) => void,
): void {
  const n = out_shape.length;
  const sa = broadcast_strides(a_shape, out_shape);
  const sb = broadcast_strides(b_shape, out_shape);
  const total = out_shape.reduce((p, d) => p * d, 1);
  if (total === 0) return;
  const idx = new Array<number>(n).fill(0);
  let ia = 0;
  let ib = 0;
  // innermost dim in a tight loop, odometer over the rest
  const last = n - 1;
  const inner = n === 0 ? 1 : out_shape[last];
  const ia_step = n === 0 ? 0 : sa[last];
  const ib_step = n === 0 ? 0 : sb[last];
  for (let io = 0; io < total; io += inner) {
    for (let k = 0; k < inner; k++) fn(io + k, ia + k * ia_step, ib + k * ib_step);
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < out_shape[d]) break;
      ia -= sa[d] * out_shape[d];
      ib -= sb[d] * out_shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Merges adjacent dims that every operand walks contiguously (or broadcasts along both), so
 * broadcast loops run long inner loops: [64, 32, 28, 28]·[32, 1, 1] becomes [64, 32, 784].
 * `strides` holds one stride list per operand, aligned to `shape`; returns the merged versions.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): [number[], number[][]] {
  const out_shape: number[] = [];
  const out_strides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue; // size-1 dims never move an index
    const last = out_shape.length - 1;
    const mergeable = last >= 0 && strides.every((st, k) => out_strides[k][last] === st[d] * shape[d]);
    if (mergeable) {
      out_shape[last] *= shape[d];
      strides.forEach((st, k) => {
        out_strides[k][last] = st[d];
      });
    } else {
      out_shape.push(shape[d]);
      strides.forEach((st, k) => {
        out_strides[k].push(st[d]);
      });
    }
  }
  return [out_shape, out_strides];
}

/**
 * out[Σ idx·out_strides] += src[i] over every index of `shape` (src contiguous): the sum behind
 * broadcast-gradient reduction and reductions over dims. `out_strides` is 0 along summed dims.
 */
export function sum_into(
  src: ArrayLike<number>,
  shape: readonly number[],
  out_strides: readonly number[],
  out: Float32Array | Float64Array,
): void {
  const [cs, [os]] = coalesce(shape, [out_strides]);
  const n = cs.length;
  if (src.length === 0) return;
  if (n === 0) {
    out[0] += src[0];
    return;
  }
  const inner = cs[n - 1];
  const step = os[n - 1];
  const idx = new Array<number>(n).fill(0);
  let base = 0;
  for (let i = 0; i < src.length; i += inner) {
    if (step === 0) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += src[i + k];
      out[base] += s;
    } else if (step === 1) {
      for (let k = 0; k < inner; k++) out[base + k] += src[i + k];
    } else for (let k = 0; k < inner; k++) out[base + k * step] += src[i + k];
    for (let d = n - 2; d >= 0; d--) {
      idx[d]++;
      base += os[d];
      if (idx[d] < cs[d]) break;
      base -= os[d] * cs[d];
      idx[d] = 0;
    }
  }
}

/** Sums a broadcast gradient back down to `shape` (the reverse of broadcasting). */
export function sum_to_shape(grad: Tensor, shape: Shape): Tensor {
  const gs = grad.shape;
  if (gs.length === shape.length && gs.every((d, i) => d === shape[i])) return grad;
  // sum in float64, then round once to float32
  const acc = new Float64Array(shape.reduce((p, d) => p * d, 1));
  sum_into(grad.data, gs, broadcast_strides(shape, gs), acc);
  return new Tensor(Float32Array.from(acc), shape, 'float32');
}
