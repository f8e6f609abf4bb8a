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

/** Sums a broadcast gradient back down to `shape` (the reverse of broadcasting). */
export function sum_to_shape(grad: Tensor, shape: Shape): Tensor {
  const gs = grad.shape;
  if (gs.length === shape.length && gs.every((d, i) => d === shape[i])) return grad;
  const out = new Float32Array(shape.reduce((p, d) => p * d, 1));
  const g = grad.data;
  for_each_broadcast(gs, shape, gs, (io, _ia, ib) => {
    out[ib] += g[io];
  });
  return new Tensor(out, shape, 'float32');
}
