import { record_grad } from '../../autograd/function.js';
import { get_backend, get_fp32_numerics, pytorch_fp32 } from '../../backends/registry.js';
import { require_float, wrap_dim } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { Tensor } from '../tensor.js';

/**
 * softmax / log_softmax along one dim, numerically stable (the max is subtracted; sums in float64).
 * The tensor is viewed as [outer, n, inner] with `n` the softmax dim.
 */

function split3(x: Tensor, dim: number, op: string): [number, number, number] {
  const d = wrap_dim(dim, x.ndim, op);
  const sh = x.shape;
  let outer = 1;
  for (let i = 0; i < d; i++) outer *= sh[i];
  let inner = 1;
  for (let i = d + 1; i < sh.length; i++) inner *= sh[i];
  return [outer, sh.length ? sh[d] : 1, inner];
}

function softmax_core(x: Tensor, dim: number, log: boolean): Float32Array {
  const [outer, n, inner] = split3(x, dim, log ? 'log_softmax' : 'softmax');
  const s = x.data;
  if (!log && inner === 1 && get_fp32_numerics() === 'pytorch_x86_zen5') {
    // ATen's _vec_softmax_lastdim on the ViT reference (other dims keep the float64 path below)
    const y = new Float32Array(s.length);
    pytorch_fp32().softmax_lastdim(s, outer, n, y);
    return y;
  }
  // the last dim of a float32 tensor: the backend's kernel of this very loop (wasm: no Math.exp call per element)
  const kernel = get_backend().fp32.softmax_rows;
  if (kernel && !log && inner === 1 && x.data instanceof Float32Array) return kernel(x.data, outer, n);
  const o = new Float32Array(s.length);
  // the float64 exponentials of one row, kept so each is computed once (same values as computing them twice)
  const e = new Float64Array(n);
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      const base = a * n * inner + c;
      let m = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) m = Math.max(m, s[base + k * inner]);
      if (m === Number.NEGATIVE_INFINITY) m = 0; // an all −inf row: keep NaN-free shifts
      let sum = 0;
      for (let k = 0; k < n; k++) {
        e[k] = Math.exp(s[base + k * inner] - m);
        sum += e[k];
      }
      if (log) {
        const lse = m + Math.log(sum);
        for (let k = 0; k < n; k++) o[base + k * inner] = s[base + k * inner] - lse;
      } else {
        for (let k = 0; k < n; k++) o[base + k * inner] = e[k] / sum;
      }
    }
  }
  return o;
}

function softmax_impl(x: Tensor, dim: number): Tensor {
  require_float(x, 'softmax');
  if (dim === undefined || dim === null)
    throw new Error('softmax: dim must be given (implicit dim is deprecated in torch)');
  const y = softmax_core(x, dim, false);
  const out = new Tensor(y, x.shape, 'float32');
  return record_grad(out, [x], 'SoftmaxBackward', (g) => {
    // dx = y ⊙ (g − Σ_k g_k y_k)
    const [outer, n, inner] = split3(x, dim, 'softmax');
    const gd = g.data;
    const r = new Float32Array(y.length);
    for (let a = 0; a < outer; a++) {
      for (let c = 0; c < inner; c++) {
        const base = a * n * inner + c;
        let dot = 0;
        for (let k = 0; k < n; k++) dot += gd[base + k * inner] * y[base + k * inner];
        for (let k = 0; k < n; k++) r[base + k * inner] = y[base + k * inner] * (gd[base + k * inner] - dot);
      }
    }
    return [new Tensor(r, x.shape, 'float32')];
  });
}

function log_softmax_impl(x: Tensor, dim: number): Tensor {
  require_float(x, 'log_softmax');
  if (dim === undefined || dim === null)
    throw new Error('log_softmax: dim must be given (implicit dim is deprecated in torch)');
  const y = softmax_core(x, dim, true);
  const out = new Tensor(y, x.shape, 'float32');
  return record_grad(out, [x], 'LogSoftmaxBackward', (g) => {
    // dx = g − exp(y) Σ_k g_k
    const [outer, n, inner] = split3(x, dim, 'log_softmax');
    const gd = g.data;
    const r = new Float32Array(y.length);
    for (let a = 0; a < outer; a++) {
      for (let c = 0; c < inner; c++) {
        const base = a * n * inner + c;
        let sum = 0;
        for (let k = 0; k < n; k++) sum += gd[base + k * inner];
        for (let k = 0; k < n; k++) r[base + k * inner] = gd[base + k * inner] - Math.exp(y[base + k * inner]) * sum;
      }
    }
    return [new Tensor(r, x.shape, 'float32')];
  });
}

/** torch.softmax(x, dim). */
export const softmax = define_function('softmax', softmax_impl);
/** torch.log_softmax(x, dim): x − logsumexp(x, dim), stable for large inputs. */
export const log_softmax = define_function('log_softmax', log_softmax_impl);

define_method('softmax', softmax_impl);
define_method('log_softmax', log_softmax_impl);
