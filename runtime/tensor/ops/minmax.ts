import { record_grad } from '../../autograd/function.js';
import { fmt_shape, reject_quantized, wrap_dim } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { alloc } from '../dtype.js';
import { Tensor } from '../tensor.js';

/**
 * max / min (global, or along a dim with indices), argmax / argmin. NaN counts as the extreme value
 * (it propagates, as in torch); ties pick the first index.
 */

/** Is `v` a better extreme than `best` (max when sign = 1, min when −1)? NaN wins and stays. */
function better(v: number, best: number, sign: number): boolean {
  if (Number.isNaN(best)) return false;
  if (Number.isNaN(v)) return true;
  return sign > 0 ? v > best : v < best;
}

function global_extreme(x: Tensor, sign: number, op: string): Tensor {
  reject_quantized(x, op);
  const s = x.data;
  if (s.length === 0)
    throw new Error(
      `${op}: expected reduction dim to be specified for input.numel() == 0 (shape ${fmt_shape(x.shape)})`,
    );
  let best = s[0];
  for (let i = 1; i < s.length; i++) if (better(s[i], best, sign)) best = s[i];
  const o = alloc(x.dtype, 1);
  o[0] = best;
  const out = new Tensor(o, [], x.dtype);
  return record_grad(out, [x], sign > 0 ? 'MaxBackward' : 'MinBackward', (g) => {
    // the gradient is shared evenly among tied extremes, as torch's full max()/min() backward
    let ties = 0;
    for (let i = 0; i < s.length; i++) if (s[i] === best || (Number.isNaN(best) && Number.isNaN(s[i]))) ties++;
    const r = new Float32Array(s.length);
    const share = g.data[0] / ties;
    for (let i = 0; i < s.length; i++) if (s[i] === best || (Number.isNaN(best) && Number.isNaN(s[i]))) r[i] = share;
    return [new Tensor(r, x.shape, 'float32')];
  });
}

/** Index (within the dim) and value of the extreme of each [outer, ·, inner] fibre. */
function dim_extreme(x: Tensor, dim: number, keepdim: boolean, sign: number, op: string) {
  reject_quantized(x, op);
  const d = wrap_dim(dim, x.ndim, op);
  const sh = x.shape;
  const n = sh.length ? sh[d] : 1;
  if (n === 0) throw new Error(`${op}: cannot reduce over dimension ${d} of size 0 (shape ${fmt_shape(sh)})`);
  let outer = 1;
  for (let i = 0; i < d; i++) outer *= sh[i];
  let inner = 1;
  for (let i = d + 1; i < sh.length; i++) inner *= sh[i];
  const s = x.data;
  const values = alloc(x.dtype, outer * inner);
  const indices = new Float64Array(outer * inner);
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      const base = a * n * inner + c;
      let best = s[base];
      let bi = 0;
      for (let k = 1; k < n; k++) {
        const v = s[base + k * inner];
        if (better(v, best, sign)) {
          best = v;
          bi = k;
        }
      }
      values[a * inner + c] = best;
      indices[a * inner + c] = bi;
    }
  }
  const out_shape = sh.length === 0 ? [] : keepdim ? sh.map((v, i) => (i === d ? 1 : v)) : sh.filter((_, i) => i !== d);
  return { values, indices, out_shape, outer, inner, n };
}

function max_min(x: Tensor, sign: number, op: string, dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
  if (dim === undefined) return global_extreme(x, sign, op);
  const r = dim_extreme(x, dim, keepdim, sign, op);
  const values = new Tensor(r.values, r.out_shape, x.dtype);
  const indices = new Tensor(r.indices, r.out_shape, 'int64');
  const in_shape = x.shape;
  record_grad(values, [x], sign > 0 ? 'MaxBackward' : 'MinBackward', (g) => {
    // the gradient goes to the selected index only
    const gr = new Float32Array(x.numel());
    const gd = g.data;
    for (let a = 0; a < r.outer; a++) {
      for (let c = 0; c < r.inner; c++) {
        const j = a * r.inner + c;
        gr[a * r.n * r.inner + r.indices[j] * r.inner + c] = gd[j];
      }
    }
    return [new Tensor(gr, in_shape, 'float32')];
  });
  return [values, indices];
}

function arg_extreme(x: Tensor, sign: number, op: string, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) {
    const flat = x._view_as_shape([x.numel()]);
    flat.quantizer = null;
    const r = dim_extreme(flat, 0, false, sign, op);
    return new Tensor(r.indices, [], 'int64');
  }
  const r = dim_extreme(x, dim, keepdim, sign, op);
  return new Tensor(r.indices, r.out_shape, 'int64');
}

function max_impl(x: Tensor, dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
  return max_min(x, 1, 'max', dim, keepdim);
}
function min_impl(x: Tensor, dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
  return max_min(x, -1, 'min', dim, keepdim);
}
function argmax_impl(x: Tensor, dim?: number, keepdim = false): Tensor {
  return arg_extreme(x, 1, 'argmax', dim, keepdim);
}
function argmin_impl(x: Tensor, dim?: number, keepdim = false): Tensor {
  return arg_extreme(x, -1, 'argmin', dim, keepdim);
}

/** torch.max(x) → 0-d tensor; torch.max(x, dim, keepdim=False) → [values, indices]. */
export const max = define_function('max', max_impl) as {
  (x: Tensor): Tensor;
  (x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
};
/** torch.min, as max. */
export const min = define_function('min', min_impl) as {
  (x: Tensor): Tensor;
  (x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
};
/** torch.argmax(x, dim?, keepdim=False): int64 indices (of the flattened input without dim). */
export const argmax = define_function('argmax', argmax_impl);
/** torch.argmin. */
export const argmin = define_function('argmin', argmin_impl);

define_method('max', max_impl);
define_method('min', min_impl);
define_method('argmax', argmax_impl);
define_method('argmin', argmin_impl);
