import { record_grad } from '../../autograd/function.js';
import { reject_quantized } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { Tensor } from '../tensor.js';
import { binary_kernel, grads_for, route } from './binary.js';

/** torch.pow: tensor ** number (a plain loop, the common case), and broadcasting tensor/number ** tensor. */

function pow_scalar_exponent(x: Tensor, exponent: number): Tensor {
  const p = Math.fround(exponent);
  reject_quantized(x, 'pow');
  const s = x.data;
  const o = new Float32Array(s.length);
  if (p === 2) for (let i = 0; i < s.length; i++) o[i] = s[i] * s[i];
  else for (let i = 0; i < s.length; i++) o[i] = s[i] ** p;
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'PowBackward', (g) => {
    const gd = g.data;
    const r = new Float32Array(s.length);
    // d x^p = p·x^(p−1); torch makes the p = 0 gradient exactly zero
    if (p !== 0) for (let i = 0; i < r.length; i++) r[i] = gd[i] * p * s[i] ** (p - 1);
    return [new Tensor(r, x.shape, 'float32')];
  });
}

function pow_impl(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && typeof b === 'number') return pow_scalar_exponent(a, b);
  if (!(b instanceof Tensor)) throw new Error('pow: expected at least one Tensor operand');
  const out = binary_kernel(a, b, 'pow', (x, y) => x ** y, 'float32');
  return record_grad(out, grads_for(a, b), 'PowBackward', (g) =>
    route(
      a,
      b,
      () =>
        binary_kernel(
          binary_kernel(g, b, 'pow', (gg, y) => gg * y),
          binary_kernel(a, b, 'pow', (x, y) => x ** (y - 1)),
          'pow',
          (u, v) => u * v,
        ),
      // d a^b / db = a^b·ln a; torch zeroes it where a = 0 and b >= 0 to avoid 0·(−inf)
      () =>
        binary_kernel(
          binary_kernel(g, out, 'pow', (gg, o) => gg * o),
          binary_kernel(a, b, 'pow', (x, y) => (x === 0 && y >= 0 ? 0 : Math.log(x))),
          'pow',
          (u, v) => (v === 0 ? 0 : u * v),
        ),
    ),
  );
}

/** torch.pow(input, exponent): either may be a tensor; broadcasting. */
export const pow = define_function('pow', pow_impl);

define_method('pow', pow_impl);
