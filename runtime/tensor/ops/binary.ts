import { record_grad } from '../../autograd/function.js';
import { broadcast_shapes, broadcast_strides, coalesce, for_each_broadcast, sum_to_shape } from '../broadcast.js';
import { output_f32 } from '../buffer_pool.js';
import { define_function, define_method } from '../dispatch.js';
import { alloc, type DType } from '../dtype.js';
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
export function binary_kernel(
  a: Operand,
  b: Operand,
  op: string,
  fn: (x: number, y: number) => number,
  out_dtype?: DType,
): Tensor {
  check_operand(a, op);
  check_operand(b, op);
  const dtype = out_dtype ?? result_dtype(a, b);
  // a scalar meeting a float32 tensor is rounded to float32 first, as torch's wrapped numbers are
  if (result_dtype(a, b) === 'float32') {
    if (typeof a === 'number' && b instanceof Tensor) a = Math.fround(a);
    if (typeof b === 'number' && a instanceof Tensor) b = Math.fround(b);
  }
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
  const out = alloc(
    dtype,
    shape.reduce((p, d) => p * d, 1),
  );
  for_each_broadcast(as, bs, shape, (io, ia, ib) => {
    out[io] = fn(x[ia], y[ib]);
  });
  return new Tensor(out, shape, dtype);
}

enum Code {
  Add,
  Sub,
  Mul,
  Div,
}

/**
 * Monomorphic loops for the hot float32 cases (same shape, or tensor with scalar), so training
 * does not pay binary_kernel's per-element closure call. Returns null when the case does not apply.
 */
function fast_binary(a: Operand, b: Operand, code: Code, alpha_in = 1): Tensor | null {
  const alpha = Math.fround(alpha_in);
  if (!(a instanceof Tensor) || a.dtype !== 'float32' || a.is_quantized) return null;
  const x = a.data as Float32Array;
  const n = x.length;
  if (typeof b === 'number') {
    // torch converts a Python scalar to the op's float32 compute type before the arithmetic
    const bf = Math.fround(b);
    const ab = alpha === 1 ? bf : Math.fround(Math.fround(alpha) * bf);
    const s = code === Code.Add ? ab : code === Code.Sub ? -ab : bf;
    return new Tensor(scalar_loop(x, n, code === Code.Sub ? Code.Add : code, s), a.shape, 'float32');
  }
  if (!(b instanceof Tensor) || b.dtype !== 'float32' || b.is_quantized) return null;
  const as = a.shape;
  const bs = b.shape;
  if (as.length !== bs.length || !as.every((d, i) => d === bs[i])) return broadcast_binary(a, b, code, alpha);
  return new Tensor(same_shape_loop(x, b.data as Float32Array, n, code, alpha), as, 'float32');
}

// The loops live in their own small functions: V8 on-stack-replaces a long loop, and OSR code compiled inside
// fast_binary before its `new Tensor` ever ran bailed out there on every later call ("insufficient type feedback
// for construct", 1,770 deopts in 12 s of FmnistResNet fp32), running each add in the interpreter.

/** out[i] = x[i] op s (Sub arrives as Add of −s). */
function scalar_loop(x: Float32Array, n: number, code: Code, s: number): Float32Array {
  const out = output_f32(n);
  if (code === Code.Add) for (let i = 0; i < n; i++) out[i] = x[i] + s;
  else if (code === Code.Mul) for (let i = 0; i < n; i++) out[i] = x[i] * s;
  else for (let i = 0; i < n; i++) out[i] = x[i] / s;
  return out;
}

/** out[i] = x[i] op y[i] (alpha on y for Add / Sub). */
function same_shape_loop(x: Float32Array, y: Float32Array, n: number, code: Code, alpha: number): Float32Array {
  const out = output_f32(n);
  if (code === Code.Add) {
    if (alpha === 1) for (let i = 0; i < n; i++) out[i] = x[i] + y[i];
    else for (let i = 0; i < n; i++) out[i] = x[i] + alpha * y[i];
  } else if (code === Code.Sub) {
    if (alpha === 1) for (let i = 0; i < n; i++) out[i] = x[i] - y[i];
    else for (let i = 0; i < n; i++) out[i] = x[i] - alpha * y[i];
  } else if (code === Code.Mul) for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
  else for (let i = 0; i < n; i++) out[i] = x[i] / y[i];
  return out;
}

/** Broadcasting float32 loop: dims coalesced, an odometer outside, one monomorphic inner loop per op. */
function broadcast_binary(a: Tensor, b: Tensor, code: Code, alpha: number): Tensor {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  const shape = broadcast_shapes(a.shape, b.shape, OP_NAMES[code]);
  const total = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(total);
  const [cs, [sa, sb]] = coalesce(shape, [broadcast_strides(a.shape, shape), broadcast_strides(b.shape, shape)]);
  const n = cs.length;
  if (total === 0) return new Tensor(out, shape, 'float32');
  const inner = n ? cs[n - 1] : 1;
  const da = n ? sa[n - 1] : 0;
  const db = n ? sb[n - 1] : 0;
  const beta = code === Code.Sub ? -alpha : alpha;
  const idx = new Array<number>(n).fill(0);
  let ia = 0;
  let ib = 0;
  for (let io = 0; io < total; io += inner) {
    if (code === Code.Add || code === Code.Sub)
      for (let k = 0; k < inner; k++) out[io + k] = x[ia + k * da] + beta * y[ib + k * db];
    else if (code === Code.Mul) for (let k = 0; k < inner; k++) out[io + k] = x[ia + k * da] * y[ib + k * db];
    else for (let k = 0; k < inner; k++) out[io + k] = x[ia + k * da] / y[ib + k * db];
    for (let d = n - 2; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < cs[d]) break;
      ia -= sa[d] * cs[d];
      ib -= sb[d] * cs[d];
      idx[d] = 0;
    }
  }
  return new Tensor(out, shape, 'float32');
}

const OP_NAMES = ['add', 'sub', 'mul', 'div'];

/** The tensor operands of a binary op, in order (what its tape node lists as inputs). */
export function grads_for(a: Operand, b: Operand): Tensor[] {
  const inputs: Tensor[] = [];
  if (a instanceof Tensor) inputs.push(a);
  if (b instanceof Tensor) inputs.push(b);
  return inputs;
}

/** Routes per-operand gradients back to the tensor operands, reducing broadcast dims. */
export function route(a: Operand, b: Operand, ga: () => Tensor, gb: () => Tensor): (Tensor | null)[] {
  const out: (Tensor | null)[] = [];
  if (a instanceof Tensor) out.push(a.requires_grad ? sum_to_shape(ga(), a.shape) : null);
  if (b instanceof Tensor) out.push(b.requires_grad ? sum_to_shape(gb(), b.shape) : null);
  return out;
}

function add_impl(a: Operand, b: Operand, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  const out =
    fast_binary(a, b, Code.Add, alpha) ??
    (alpha === 1 ? binary_kernel(a, b, 'add', (x, y) => x + y) : binary_kernel(a, b, 'add', (x, y) => x + alpha * y));
  return record_grad(out, grads_for(a, b), 'AddBackward', (g) =>
    route(
      a,
      b,
      () => g,
      () => (alpha === 1 ? g : binary_kernel(g, alpha, 'mul', (x, y) => x * y)),
    ),
  );
}

function sub_impl(a: Operand, b: Operand, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  const out = fast_binary(a, b, Code.Sub, alpha) ?? binary_kernel(a, b, 'sub', (x, y) => x - alpha * y);
  return record_grad(out, grads_for(a, b), 'SubBackward', (g) =>
    route(
      a,
      b,
      () => g,
      () => binary_kernel(g, -alpha, 'mul', (x, y) => x * y),
    ),
  );
}

function mul_impl(a: Operand, b: Operand): Tensor {
  const out = fast_binary(a, b, Code.Mul) ?? binary_kernel(a, b, 'mul', (x, y) => x * y);
  return record_grad(out, grads_for(a, b), 'MulBackward', (g) =>
    route(
      a,
      b,
      () => mul_impl(g, b),
      () => mul_impl(g, a),
    ),
  );
}

function div_impl(a: Operand, b: Operand): Tensor {
  // true division: integer operands give float32, as in torch
  const out = fast_binary(a, b, Code.Div) ?? binary_kernel(a, b, 'div', (x, y) => x / y, 'float32');
  return record_grad(out, grads_for(a, b), 'DivBackward', (g) =>
    route(
      a,
      b,
      () => div_impl(g, b),
      // d(a/b)/db = -a/b^2 = -out/b
      () =>
        binary_kernel(
          binary_kernel(g, out, 'mul', (x, y) => x * y),
          b,
          'div',
          (x, y) => -x / y,
        ),
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
