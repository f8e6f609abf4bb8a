/** Shape ops on quantized tensors: views that share storage and keep the qparams (no data change). */
import { define_function } from '../../tensor/dispatch.js';
import { shape_numel, Tensor } from '../../tensor/tensor.js';
import { describe } from '../qtensor.js';

function check_q(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor) || !x.is_quantized)
    throw new Error(`${op}: expected a quantized tensor, got ${describe(x)}`);
  return x;
}

/** torch.flatten(x, start_dim, end_dim) on a quantized tensor. */
export const flatten = define_function('quantized.flatten', (x: Tensor, start_dim = 0, end_dim = -1): Tensor => {
  const op = 'quantized.flatten';
  const t = check_q(x, op);
  const nd = Math.max(t.ndim, 1);
  const s = start_dim < 0 ? start_dim + nd : start_dim;
  const e = end_dim < 0 ? end_dim + nd : end_dim;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e >= nd || s > e)
    throw new Error(`${op}: dims [${start_dim}, ${end_dim}] are out of range for ${describe(t)}`);
  if (t.ndim === 0) return t._view_as_shape([1]);
  const shape = [...t.shape.slice(0, s), shape_numel(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return t._view_as_shape(shape);
});

/** torch.reshape(x, shape) on a quantized tensor; one dim may be −1. */
export const reshape = define_function('quantized.reshape', (x: Tensor, shape: readonly number[]): Tensor => {
  const op = 'quantized.reshape';
  const t = check_q(x, op);
  const out = [...shape];
  const infer = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1 || out.some((d) => d < -1 || !Number.isInteger(d)))
    throw new Error(`${op}: invalid shape [${out.join(', ')}]`);
  const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (infer >= 0) {
    if (known === 0 || t.numel() % known !== 0)
      throw new Error(`${op}: shape [${out.join(', ')}] is invalid for ${describe(t)}`);
    out[infer] = t.numel() / known;
  }
  if (shape_numel(out) !== t.numel())
    throw new Error(`${op}: shape [${out.join(', ')}] is invalid for ${describe(t)} (${t.numel()} elements)`);
  return t._view_as_shape(out);
});
