import { record_grad } from '../../autograd/function.js';
import { broadcast_shapes, broadcast_strides, sum_to_shape } from '../broadcast.js';
import { fmt_shape, reject_quantized } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { alloc } from '../dtype.js';
import { strided_gather } from '../strided.js';
import { Tensor } from '../tensor.js';

/** torch.where(condition, input, other): picks input where condition is true, broadcasting all three. */

function spread(x: Tensor, shape: number[]): ArrayLike<number> {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x.data;
  const n = shape.reduce((p, d) => p * d, 1);
  return strided_gather(x.data, 0, shape, broadcast_strides(x.shape, shape), alloc(x.dtype, n));
}

function where_impl(condition: Tensor, input: Tensor | number, other: Tensor | number): Tensor {
  if (!(condition instanceof Tensor)) throw new Error('where: condition must be a Tensor');
  if (condition.dtype !== 'bool' && condition.dtype !== 'uint8') {
    throw new Error(
      `where: condition must be a bool tensor, got ${condition.dtype} with shape ${fmt_shape(condition.shape)}`,
    );
  }
  const a = input instanceof Tensor ? input : new Tensor(new Float32Array([input]), [], 'float32');
  const b = other instanceof Tensor ? other : new Tensor(new Float32Array([other]), [], 'float32');
  reject_quantized(a, 'where');
  reject_quantized(b, 'where');
  const shape = broadcast_shapes(broadcast_shapes(condition.shape, a.shape, 'where'), b.shape, 'where');
  const dtype = a.dtype === b.dtype ? a.dtype : 'float32';
  const n = shape.reduce((p, d) => p * d, 1);
  const c = spread(condition, shape);
  const av = spread(a, shape);
  const bv = spread(b, shape);
  const o = alloc(dtype, n);
  for (let i = 0; i < n; i++) o[i] = c[i] ? av[i] : bv[i];
  const out = new Tensor(o, shape, dtype);
  const inputs = [input, other].filter((t): t is Tensor => t instanceof Tensor);
  return record_grad(out, inputs, 'WhereBackward', (g) => {
    const gd = g.data;
    const pick = (keep: boolean, t: Tensor): Tensor => {
      const r = new Float32Array(n);
      for (let i = 0; i < n; i++) r[i] = (c[i] ? keep : !keep) ? gd[i] : 0;
      return sum_to_shape(new Tensor(r, shape, 'float32'), t.shape);
    };
    const grads: (Tensor | null)[] = [];
    if (input instanceof Tensor) grads.push(input.requires_grad ? pick(true, input) : null);
    if (other instanceof Tensor) grads.push(other.requires_grad ? pick(false, other) : null);
    return grads;
  });
}

/** torch.where(condition, input, other). */
export const where = define_function('where', where_impl);

define_method('where', (self: Tensor, condition: Tensor, other: Tensor | number) => where_impl(condition, self, other));
