import { record_grad } from '../../autograd/function.js';
import { reject_quantized } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { alloc } from '../dtype.js';
import { Tensor } from '../tensor.js';

/**
 * Elementwise math: neg, abs, exp, log, sqrt. Each op is one plain loop forward and one backward
 * (no per-element closure). neg/abs keep integer dtypes; exp/log/sqrt return float32.
 */

function float_out(x: Tensor): Float32Array {
  return new Float32Array(x.numel());
}

function neg_impl(x: Tensor): Tensor {
  reject_quantized(x, 'neg');
  if (x.dtype === 'bool') throw new Error('neg: negation of a bool tensor is not supported; use logical_not');
  const s = x.data;
  const o = alloc(x.dtype, s.length);
  for (let i = 0; i < s.length; i++) o[i] = -s[i];
  const out = new Tensor(o, x.shape, x.dtype);
  return record_grad(out, [x], 'NegBackward', (g) => [neg_impl(g)]);
}

function abs_impl(x: Tensor): Tensor {
  reject_quantized(x, 'abs');
  const s = x.data;
  const o = alloc(x.dtype, s.length);
  for (let i = 0; i < s.length; i++) o[i] = Math.abs(s[i]);
  const out = new Tensor(o, x.shape, x.dtype);
  return record_grad(out, [x], 'AbsBackward', (g) => {
    // d|x| = sign(x): 0 at 0, as torch
    const gd = g.data;
    const r = float_out(x);
    for (let i = 0; i < r.length; i++) r[i] = s[i] > 0 ? gd[i] : s[i] < 0 ? -gd[i] : 0;
    return [new Tensor(r, x.shape, 'float32')];
  });
}

function exp_impl(x: Tensor): Tensor {
  reject_quantized(x, 'exp');
  const s = x.data;
  const o = float_out(x);
  for (let i = 0; i < s.length; i++) o[i] = Math.exp(s[i]);
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'ExpBackward', (g) => {
    const gd = g.data;
    const r = float_out(x);
    for (let i = 0; i < r.length; i++) r[i] = gd[i] * o[i];
    return [new Tensor(r, x.shape, 'float32')];
  });
}

function log_impl(x: Tensor): Tensor {
  reject_quantized(x, 'log');
  const s = x.data;
  const o = float_out(x);
  for (let i = 0; i < s.length; i++) o[i] = Math.log(s[i]);
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'LogBackward', (g) => {
    const gd = g.data;
    const r = float_out(x);
    for (let i = 0; i < r.length; i++) r[i] = gd[i] / s[i];
    return [new Tensor(r, x.shape, 'float32')];
  });
}

function sqrt_impl(x: Tensor): Tensor {
  reject_quantized(x, 'sqrt');
  const s = x.data;
  const o = float_out(x);
  for (let i = 0; i < s.length; i++) o[i] = Math.sqrt(s[i]);
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'SqrtBackward', (g) => {
    const gd = g.data;
    const r = float_out(x);
    for (let i = 0; i < r.length; i++) r[i] = gd[i] / (2 * o[i]);
    return [new Tensor(r, x.shape, 'float32')];
  });
}

/** torch.neg(x): −x. */
export const neg = define_function('neg', neg_impl);
/** torch.abs(x); the gradient at 0 is 0. */
export const abs = define_function('abs', abs_impl);
/** torch.exp(x). */
export const exp = define_function('exp', exp_impl);
/** torch.log(x) (natural log; −inf at 0, NaN below). */
export const log = define_function('log', log_impl);
/** torch.sqrt(x). */
export const sqrt = define_function('sqrt', sqrt_impl);

define_method('neg', neg_impl);
define_method('abs', abs_impl);
define_method('exp', exp_impl);
define_method('log', log_impl);
define_method('sqrt', sqrt_impl);
