import { record_grad } from '../../autograd/function.js';
import { broadcast_shapes, for_each_broadcast, sum_to_shape } from '../broadcast.js';
import { define_function, define_method } from '../dispatch.js';
import { type DType, alloc } from '../dtype.js';
import { Tensor } from '../tensor.js';

type Operand = Tensor | number;

function result_dtype(a: Operand, b: Operand): DType {
  const da = a instanceof Tensor ? a.dtype : null;
  const db = b instanceof Tensor ? b.dtype : null;
  if (da === 'float32' || db === 'float32') return 'float32';
  if (da && db && da !== db) return 'float32';
  const d = da ?? db ?? 'float32';
  // a plain number combined with an integer tensor stays integral only when the number is
  const scalar = typeof a === 'number' ? a : typeof b === 'number' ? b : 0;
  return Number.isInteger(scalar) ? d : 'float32';
}

function check_operand(x: Operand, op: string): void {
  if (x instanceof Tensor && x.is_quantized) {
    throw new Error(`${op}: got a quantized tensor (${x.dtype}); dequantize() it or use the quantized op`);
  }
}

/** Elementwise `fn` with broadcasting; numbers act as 0-d tensors. */
export function binary_kernel(a: Operand, b: Operand, op: string, fn: (x: number, y: number) => number): Tensor {
  check_operand(a, op);
  check_operand(b, op);
  const dtype = result_dtype(a, b);
  if (typeof b === 'number' && a instanceof Tensor) {
    const x = a.data;
    const out = alloc(dtype, x.length);
    for (let i = 0; i < x.length; i++) out[i] = fn(x[i], b);
    return new Tensor(out, a.shape, dtype);
  }
  if (typeof a === 'number' && b instanceof Tensor) {
    const y = b.data;
    const out = alloc(dtype, y.length);
    for (let i = 0; i < y.length; i++) out[i] = fn(a, y[i]);
    return new Tensor(out, b.shape, dtype);
  }
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) {
    return new Tensor(alloc(dtype, 1).fill(fn(a as number, b as number)), [], dtype);
  }
  const x = a.data;
  const y = b.data;
  const as = a.shape;
  const bs = b.shape;
  if (as.length === bs.length && as.every((d, i) => d === bs[i])) {
    const out = alloc(dtype, x.length);
    for (let i = 0; i < x.length; i++) out[i] = fn(x[i], y[i]);
    return new Tensor(out, as, dtype);
  }
  const shape = broadcast_shapes(as, bs, op);
  const out = alloc(dtype, shape.reduce((p, d) => p * d, 1));
  for_each_broadcast(as, bs, shape, (io, ia, ib) => {
    out[io] = fn(x[ia], y[ib]);
  });
  return new Tensor(out, shape, dtype);
}

function grads_for(a: Operand, b: Operand): Tensor[] {
  const inputs: Tensor[] = [];
  if (a instanceof Tensor) inputs.push(a);
  if (b instanceof Tensor) inputs.push(b);
  return inputs;
}

/** Routes per-operand gradients back to the tensor operands, reducing broadcast dims. */
function route(a: Operand, b: Operand, ga: () => Tensor, gb: () => Tensor): (Tensor | null)[] {
  const out: (Tensor | null)[] = [];
  if (a instanceof Tensor) out.push(a.requires_grad ? sum_to_shape(ga(), a.shape) : null);
  if (b instanceof Tensor) out.push(b.requires_grad ? sum_to_shape(gb(), b.shape) : null);
  return out;
}

function add_impl(a: Operand, b: Operand, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  const out = alpha === 1 ? binary_kernel(a, b, 'add', (x, y) => x + y) : binary_kernel(a, b, 'add', (x, y) => x + alpha * y);
  return record_grad(out, grads_for(a, b), 'AddBackward', (g) =>
    route(a, b, () => g, () => (alpha === 1 ? g : binary_kernel(g, alpha, 'mul', (x, y) => x * y))),
  );
}

function sub_impl(a: Operand, b: Operand, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  const out = binary_kernel(a, b, 'sub', (x, y) => x - alpha * y);
  return record_grad(out, grads_for(a, b), 'SubBackward', (g) =>
    route(a, b, () => g, () => binary_kernel(g, -alpha, 'mul', (x, y) => x * y)),
  );
}

function mul_impl(a: Operand, b: Operand): Tensor {
  const out = binary_kernel(a, b, 'mul', (x, y) => x * y);
  return record_grad(out, grads_for(a, b), 'MulBackward', (g) =>
    route(
      a,
      b,
      () => binary_kernel(g, b, 'mul', (x, y) => x * y),
      () => binary_kernel(g, a, 'mul', (x, y) => x * y),
    ),
  );
}

function div_impl(a: Operand, b: Operand): Tensor {
  const out = binary_kernel(a, b, 'div', (x, y) => x / y);
  return record_grad(out, grads_for(a, b), 'DivBackward', (g) =>
    route(
      a,
      b,
      () => binary_kernel(g, b, 'div', (x, y) => x / y),
      // d(a/b)/db = -a/b^2 = -out/b
      () => binary_kernel(binary_kernel(g, out, 'mul', (x, y) => x * y), b, 'div', (x, y) => -x / y),
    ),
  );
}

/** torch.add(a, b, alpha=1): a + alpha * b, broadcasting. */
export const add = define_function('add', add_impl);
/** torch.sub(a, b, alpha=1): a - alpha * b. */
export const sub = define_function('sub', sub_impl);
/** torch.mul. */
export const mul = define_function('mul', mul_impl);
/** torch.div (true division). */
export const div = define_function('div', div_impl);

define_method('add', add_impl);
define_method('sub', sub_impl);
define_method('mul', mul_impl);
define_method('div', div_impl);
