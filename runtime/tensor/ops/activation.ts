import { needs_grad, record_grad } from '../../autograd/function.js';
import { get_backend, get_fp32_numerics } from '../../backends/registry.js';
import { fmt_shape } from '../dims.js';
import { define_function, define_method } from '../dispatch.js';
import { alloc, dtype_range, is_quantized_dtype } from '../dtype.js';
import { Tensor } from '../tensor.js';

/**
 * Piecewise-linear activations: clamp, relu, relu6, hardtanh, leaky_relu, hardsigmoid, hardswish.
 * clamp/relu/relu6/hardtanh also run on per-tensor quantized tensors in the integer domain, as
 * torch does (bounds quantized with the input's qparams), so converted graphs can keep them.
 */

function rne(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Clamps quantized values to [lo, hi] given in float; the result keeps the input's qparams. */
function quantized_clamp(x: Tensor, lo: number | null, hi: number | null, op: string): Tensor {
  const q = x.quantizer;
  if (q?.kind !== 'per_tensor' || !is_quantized_dtype(x.dtype)) {
    throw new Error(`${op}: only per-tensor quantized tensors are supported, got ${x.dtype} ${fmt_shape(x.shape)}`);
  }
  const [qmin, qmax] = dtype_range(x.dtype);
  const quant = (v: number) => Math.min(qmax, Math.max(qmin, rne(Math.fround(v / q.scale)) + q.zero_point));
  const a = lo === null ? qmin : quant(lo);
  const b = hi === null ? qmax : quant(hi);
  const s = x.data;
  const o = alloc(x.dtype, s.length);
  for (let i = 0; i < s.length; i++) o[i] = Math.min(Math.max(s[i], a), b);
  const out = new Tensor(o, x.shape, x.dtype);
  out.quantizer = q;
  return out;
}

/**
 * Clamps to [lo, hi]; the gradient passes where lo ≤ x ≤ hi when `inclusive` (torch.clamp) and
 * where lo < x < hi otherwise (torch.hardtanh / relu6).
 */
/** An Error (not a TypeError on `.is_quantized`) when a loaded graph passes null, a number or a list. */
function check_tensor(x: unknown, op: string): asserts x is Tensor {
  if (!(x instanceof Tensor))
    throw new Error(
      `${op}: input must be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'a list' : typeof x}`,
    );
}

function clamp_core(x: Tensor, lo: number | null, hi: number | null, op: string, inclusive: boolean): Tensor {
  check_tensor(x, op);
  if (x.is_quantized) return quantized_clamp(x, lo, hi, op);
  // bounds are float32 scalars in torch's kernel
  const l = lo === null ? Number.NEGATIVE_INFINITY : Math.fround(lo);
  const h = hi === null ? Number.POSITIVE_INFINITY : Math.fround(hi);
  const kernel = get_backend().fp32.clamp;
  if (kernel && x.dtype === 'float32' && !needs_grad(x))
    return new Tensor(kernel(x.data as Float32Array, l, h), x.shape, 'float32');
  const s = x.data;
  const o = alloc(x.dtype, s.length);
  clamp_loop(s, o, l, h);
  const out = new Tensor(o, x.shape, x.dtype);
  return record_grad(out, [x], `${op[0].toUpperCase()}${op.slice(1)}Backward`, (g) => {
    const gd = g.data;
    const r = new Float32Array(s.length);
    if (inclusive) for (let i = 0; i < r.length; i++) r[i] = s[i] >= l && s[i] <= h ? gd[i] : 0;
    else for (let i = 0; i < r.length; i++) r[i] = s[i] > l && s[i] < h ? gd[i] : 0;
    return [new Tensor(r, x.shape, 'float32')];
  });
}

/**
 * o[i] = min(max(s[i], l), h); NaN propagates through Math.min/max, as in torch. Its own function: V8's on-stack
 * replacement of this loop inside clamp_core bailed out after it on every later call (1,018 deopts in 6 s of
 * MobileNetV2's ReLU6s), as fast_binary's did (binary.ts).
 */
function clamp_loop(s: ArrayLike<number>, o: { [i: number]: number }, l: number, h: number): void {
  for (let i = 0; i < s.length; i++) o[i] = Math.min(Math.max(s[i], l), h);
}

function clamp_impl(x: Tensor, min: number | null = null, max: number | null = null): Tensor {
  if (min === null && max === null) throw new Error("clamp: at least one of 'min' or 'max' must not be None");
  return clamp_core(x, min, max, 'clamp', true);
}

function relu_impl(x: Tensor): Tensor {
  check_tensor(x, 'relu');
  if (x.is_quantized) return quantized_clamp(x, 0, null, 'relu');
  // inference on float32: the backend's kernel (wasm SIMD), bit-identical to the loop below; the loop
  // stays for other dtypes and whenever the tape needs `s` for the backward
  const kernel = get_backend().fp32.relu;
  if (kernel && x.dtype === 'float32' && !needs_grad(x))
    return new Tensor(kernel(x.data as Float32Array), x.shape, 'float32');
  const s = x.data;
  const o = alloc(x.dtype, s.length);
  // branch-free mask (v·[v > 0]): a data-dependent branch mispredicts on half of random inputs and
  // costs ~4x; the rare fix-ups (−inf, NaN) are predictable branches. NaN stays NaN, as in torch.
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    o[i] = v * +(v > 0) + 0; // + 0 turns the −0 of (negative · 0) into +0
    if (v === Number.NEGATIVE_INFINITY) o[i] = 0;
  }
  const out = new Tensor(o, x.shape, x.dtype);
  return record_grad(out, [x], 'ReluBackward', (g) => {
    const gd = g.data;
    const r = new Float32Array(s.length);
    for (let i = 0; i < r.length; i++) {
      const m = +(s[i] > 0);
      r[i] = gd[i] * m;
      // inf·0 or NaN·0 where the mask is 0: torch's threshold_backward gives exactly 0
      if (Number.isNaN(r[i]) && m === 0) r[i] = 0;
    }
    return [new Tensor(r, x.shape, 'float32')];
  });
}

function hardtanh_impl(x: Tensor, min_val = -1, max_val = 1): Tensor {
  if (min_val > max_val) throw new Error(`hardtanh: min_val (${min_val}) cannot be greater than max_val (${max_val})`);
  return clamp_core(x, min_val, max_val, 'hardtanh', false);
}

function relu6_impl(x: Tensor): Tensor {
  return clamp_core(x, 0, 6, 'hardtanh', false);
}

function leaky_relu_impl(x: Tensor, slope = 0.01): Tensor {
  const negative_slope = Math.fround(slope);
  const s = x.data;
  const o = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) o[i] = s[i] > 0 ? s[i] : s[i] * negative_slope;
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'LeakyReluBackward', (g) => {
    const gd = g.data;
    const r = new Float32Array(s.length);
    for (let i = 0; i < r.length; i++) r[i] = s[i] > 0 ? gd[i] : gd[i] * negative_slope;
    return [new Tensor(r, x.shape, 'float32')];
  });
}

function hardsigmoid_impl(x: Tensor): Tensor {
  const s = x.data;
  const o = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) o[i] = Math.min(Math.max(s[i] + 3, 0), 6) / 6;
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'HardsigmoidBackward', (g) => {
    const gd = g.data;
    const r = new Float32Array(s.length);
    for (let i = 0; i < r.length; i++) r[i] = s[i] > -3 && s[i] < 3 ? gd[i] / 6 : 0;
    return [new Tensor(r, x.shape, 'float32')];
  });
}

function hardswish_impl(x: Tensor): Tensor {
  const s = x.data;
  const o = new Float32Array(s.length);
  if (get_fp32_numerics() === 'pytorch_x86') {
    // ATen's CPU kernel (scalar and Vectorized alike): x * min(max(x + 3, 0), 6) / 6 with every step rounded
    // to float32. Math.fround of the float64 result is the correctly rounded float32 one (53 ≥ 2·24 + 2).
    const f = Math.fround;
    for (let i = 0; i < s.length; i++) o[i] = f(f(s[i] * Math.min(Math.max(f(s[i] + 3), 0), 6)) / 6);
  } else {
    for (let i = 0; i < s.length; i++) o[i] = (s[i] * Math.min(Math.max(s[i] + 3, 0), 6)) / 6;
  }
  const out = new Tensor(o, x.shape, 'float32');
  return record_grad(out, [x], 'HardswishBackward', (g) => {
    const gd = g.data;
    const r = new Float32Array(s.length);
    // torch: 0 below −3, x/3 + 0.5 on [−3, 3], 1 above
    for (let i = 0; i < r.length; i++) r[i] = s[i] < -3 ? 0 : s[i] <= 3 ? gd[i] * (s[i] / 3 + 0.5) : gd[i];
    return [new Tensor(r, x.shape, 'float32')];
  });
}

function float_only<A extends unknown[]>(
  op: string,
  f: (x: Tensor, ...a: A) => Tensor,
): (x: Tensor, ...a: A) => Tensor {
  return (x, ...a) => {
    check_tensor(x, op);
    if (x.is_quantized || x.dtype !== 'float32') {
      throw new Error(`${op}: expected a float32 tensor, got ${x.dtype} with shape ${fmt_shape(x.shape)}`);
    }
    return f(x, ...a);
  };
}

/** torch.clamp(x, min=None, max=None); gradient passes where min ≤ x ≤ max. */
export const clamp = define_function('clamp', clamp_impl);
/** torch.relu(x) = max(x, 0); gradient 0 at x = 0. */
export const relu = define_function('relu', relu_impl);
/** hardtanh(x, min_val=-1, max_val=1) (F.hardtanh's positional params). */
export const hardtanh = define_function('hardtanh', hardtanh_impl);
/** relu6(x) = hardtanh(x, 0, 6). */
export const relu6 = define_function('relu6', relu6_impl);
/** leaky_relu(x, negative_slope=0.01). */
export const leaky_relu = define_function('leaky_relu', float_only('leaky_relu', leaky_relu_impl));
/** hardsigmoid(x) = relu6(x + 3) / 6. */
export const hardsigmoid = define_function('hardsigmoid', float_only('hardsigmoid', hardsigmoid_impl));
/** hardswish(x) = x · relu6(x + 3) / 6 (float32 step by step, as ATen, under set_fp32_numerics('pytorch_x86')). */
export const hardswish = define_function('hardswish', float_only('hardswish', hardswish_impl));

define_method('clamp', clamp_impl);
define_method('relu', relu_impl);
