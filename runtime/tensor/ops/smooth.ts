import { record_grad } from '../../autograd/function.js';
import { get_backend, get_fp32_numerics, pytorch_fp32 } from '../../backends/registry.js';
import { require_float } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { Tensor } from '../tensor.js';
import { normal_cdf } from './erf.js';

/** Smooth activations: sigmoid, tanh, gelu (erf form by default, as torch), silu. */

function grad_of(x: Tensor, g: Tensor, dydx: (i: number) => number): Tensor[] {
  const gd = g.data;
  const r = new Float32Array(gd.length);
  for (let i = 0; i < r.length; i++) r[i] = gd[i] * dydx(i);
  return [new Tensor(r, x.shape, 'float32')];
}

function sigmoid_impl(x: Tensor): Tensor {
  require_float(x, 'sigmoid');
  const s = x.data;
  const o = new Float32Array(s.length);
  // in float64 one formula is safe: exp(−v) = inf for v ≪ 0 gives exactly 0, and no branch mispredicts
  for (let i = 0; i < s.length; i++) o[i] = 1 / (1 + Math.exp(-s[i]));
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'SigmoidBackward', (g) => grad_of(x, g, (i) => o[i] * (1 - o[i])));
}

function tanh_impl(x: Tensor): Tensor {
  require_float(x, 'tanh');
  const s = x.data;
  const o = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) o[i] = Math.tanh(s[i]);
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'TanhBackward', (g) => grad_of(x, g, (i) => 1 - o[i] * o[i]));
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const K_TANH = Math.sqrt(2 / Math.PI);

/** Options of F.gelu. */
export interface GeluOptions {
  /** 'none' (exact, erf) or 'tanh' (the tanh approximation). */
  approximate?: 'none' | 'tanh';
}

function gelu_impl(x: Tensor, options: GeluOptions = {}): Tensor {
  require_float(x, 'gelu');
  const approx = options.approximate ?? 'none';
  if (approx !== 'none' && approx !== 'tanh') {
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${approx}'`);
  }
  const s = x.data;
  const o = new Float32Array(s.length);
  // the backend's kernel of this very loop when it has one (wasm: same tables and float64 steps)
  const kernel = approx === 'none' && s instanceof Float32Array ? get_backend().fp32.gelu : null;
  if (approx === 'none' && get_fp32_numerics() === 'pytorch_x86_zen5') pytorch_fp32().gelu(s, o);
  else if (kernel) kernel(s as Float32Array, o);
  else if (approx === 'none') {
    for (let i = 0; i < s.length; i++) o[i] = s[i] * normal_cdf(s[i]);
  } else {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      o[i] = 0.5 * v * (1 + Math.tanh(K_TANH * (v + 0.044715 * v * v * v)));
    }
  }
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'GeluBackward', (g) =>
    grad_of(x, g, (i) => {
      const v = s[i];
      if (approx === 'none') return normal_cdf(v) + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
      const t = Math.tanh(K_TANH * (v + 0.044715 * v * v * v));
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * K_TANH * (1 + 3 * 0.044715 * v * v);
    }),
  );
}

function silu_impl(x: Tensor): Tensor {
  require_float(x, 'silu');
  const s = x.data;
  const sig = new Float64Array(s.length);
  const o = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    sig[i] = 1 / (1 + Math.exp(-v));
    o[i] = v * sig[i];
  }
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'SiluBackward', (g) => grad_of(x, g, (i) => sig[i] * (1 + s[i] * (1 - sig[i]))));
}

/** torch.sigmoid(x) = 1 / (1 + e^−x), overflow-free. */
export const sigmoid = define_function('sigmoid', sigmoid_impl);
/** torch.tanh(x). */
export const tanh = define_function('tanh', tanh_impl);
/** gelu(x, { approximate: 'none' | 'tanh' }) = x·Φ(x). */
export const gelu = define_function('gelu', gelu_impl);
/** silu(x) = x·sigmoid(x). */
export const silu = define_function('silu', silu_impl);

define_method('sigmoid', sigmoid_impl);
define_method('tanh', tanh_impl);
