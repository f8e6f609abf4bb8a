/**
 * 2-d pooling as torch.nn.functional: max_pool2d, avg_pool2d and adaptive_avg_pool2d, each with its
 * gradient. Inputs are [N, C, H, W] or unbatched [C, H, W]. On a quantized input each runs the int8
 * kernel of the current backend (runtime/quantized/functional/pooling.ts), as torch dispatches quantized
 * tensors to its quantized kernels: so the float pooling modules run on quantized tensors, which is how
 * convert_fx keeps nn.MaxPool2d / AvgPool2d / AdaptiveAvgPool2d (call_module nodes on quantized tensors).
 */
import { needs_grad, record_grad } from '../../autograd/function.js';
import { torch_sum_f32 } from '../../backends/js/fp32/cascade_sum.js';
import { get_backend, get_fp32_numerics } from '../../backends/registry.js';
import * as qpool from '../../quantized/functional/pooling.js';
import { define_function } from '../../tensor/dispatch.js';
import { alloc } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt, pair } from './_util.js';

/** Runs an NCHW int8 kernel on a quantized [N, C, H, W] or [C, H, W] input (a batch of one, as a view). */
function on_quantized(input: Tensor, op: string, kernel: (x: Tensor) => Tensor): Tensor {
  if (input.ndim === 4) return kernel(input);
  if (input.ndim !== 3)
    throw new Error(`${op}: expected a [N, C, H, W] or [C, H, W] input, got shape ${fmt(input.shape)}`);
  const y = kernel(input.reshape([1, ...input.shape]));
  return y.reshape(y.shape.slice(1));
}

/** torch's pooling_output_shape: floor or ceil, and a last window must start inside the (left-padded) input. */
export function pool_out_size(size: number, k: number, s: number, p: number, d: number, ceil_mode: boolean): number {
  let out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0)) / s) + 1;
  if (ceil_mode && (out - 1) * s >= size + p) out--;
  return out;
}

interface Planes {
  planes: number;
  h: number;
  w: number;
  lead: number[];
}

function planes_of(x: Tensor, op: string): Planes {
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new Error(`${op}: expected a [N, C, H, W] or [C, H, W] input, got shape ${fmt(x.shape)}`);
  const s = x.shape;
  const lead = s.slice(0, -2);
  return { planes: lead.reduce((a, b) => a * b, 1), h: s[s.length - 2], w: s[s.length - 1], lead };
}

/** Options of F.max_pool2d. */
export interface MaxPool2dOptions {
  stride?: number | [number, number] | null;
  padding?: number | [number, number];
  dilation?: number | [number, number];
  ceil_mode?: boolean;
  return_indices?: boolean;
}

function max_pool2d_impl(
  input: Tensor,
  kernel_size: number | [number, number],
  options: MaxPool2dOptions = {},
): Tensor | [Tensor, Tensor] {
  const op = 'F.max_pool2d';
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor`);
  if (!input.is_quantized) check_float(input, op);
  // quint8 (what the int8 kernels take) runs the backend's kernel; other quantized dtypes and
  // return_indices take the generic loop below, which also keeps the integer values and qparams
  else if (input.dtype === 'quint8' && input.quantizer?.kind === 'per_tensor' && !options.return_indices)
    return on_quantized(input, op, (x) => qpool.max_pool2d(x, kernel_size, options));
  const k = pair(kernel_size, op, 'kernel_size');
  const s = options.stride == null ? k : pair(options.stride, op, 'stride');
  const p = pair(options.padding ?? 0, op, 'padding');
  const d = pair(options.dilation ?? 1, op, 'dilation');
  const ceil = options.ceil_mode ?? false;
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2)
    throw new Error(`${op}: padding ${fmt(p)} should be at most half of kernel_size ${fmt(k)}`);
  const { planes, h, w, lead } = planes_of(input, op);
  const oh = pool_out_size(h, k[0], s[0], p[0], d[0], ceil);
  const ow = pool_out_size(w, k[1], s[1], p[1], d[1], ceil);
  if (oh <= 0 || ow <= 0) throw new Error(`${op}: input ${fmt(input.shape)} is too small for kernel_size ${fmt(k)}`);
  const x = input.data;
  // float inference without indices: the backend's kernel (wasm SIMD), bit-identical to the loops below,
  // which stay for quantized dtypes, return_indices and the backward (it needs the argmax indices)
  const kernel = get_backend().fp32.max_pool2d;
  if (kernel && input.dtype === 'float32' && !options.return_indices && !needs_grad(input)) {
    const g = { planes, in_h: h, in_w: w, out_h: oh, out_w: ow, kernel_h: k[0], kernel_w: k[1] };
    const yk = kernel(x as Float32Array, { ...g, stride: s, padding: p, dilation: d });
    return new Tensor(yk, [...lead, oh, ow], 'float32');
  }
  const y = alloc(input.dtype, planes * oh * ow);
  const arg = new Int32Array(planes * oh * ow);
  let o = 0;
  // the common 2×2/2 unpadded window, every window inside the input: a straight-line loop (~2x faster)
  const fast =
    k[0] === 2 &&
    k[1] === 2 &&
    s[0] === 2 &&
    s[1] === 2 &&
    p[0] === 0 &&
    p[1] === 0 &&
    d[0] === 1 &&
    d[1] === 1 &&
    2 * oh <= h &&
    2 * ow <= w;
  if (fast) max_pool_2x2(x, y, arg, planes, h, w, oh, ow);
  for (let pl = 0; !fast && pl < planes; pl++) {
    const base = pl * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, o++) {
        let best = Number.NEGATIVE_INFINITY;
        let bi = -1;
        for (let i = 0; i < k[0]; i++) {
          const iy = oy * s[0] - p[0] + i * d[0];
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < k[1]; j++) {
            const ix = ox * s[1] - p[1] + j * d[1];
            if (ix < 0 || ix >= w) continue;
            const v = x[base + iy * w + ix];
            // NaN propagates as in torch; ties keep the first index
            if (v > best || Number.isNaN(v)) {
              best = v;
              bi = iy * w + ix;
              if (Number.isNaN(v)) break;
            }
          }
        }
        y[o] = best;
        arg[o] = bi;
      }
    }
  }
  const out = new Tensor(y, [...lead, oh, ow], input.dtype);
  if (input.is_quantized) out.quantizer = input.quantizer ? { ...input.quantizer } : null;
  else {
    record_grad(out, [input], 'MaxPool2DWithIndicesBackward', (g) => {
      const gd = g.data;
      const gx = new Float32Array(x.length);
      const plane_out = oh * ow;
      for (let i = 0; i < gd.length; i++) if (arg[i] >= 0) gx[Math.floor(i / plane_out) * h * w + arg[i]] += gd[i];
      return [new Tensor(gx, input.shape, 'float32')];
    });
  }
  if (options.return_indices) return [out, new Tensor(Float64Array.from(arg), out.shape, 'int64')];
  return out;
}

/**
 * max_pool2d's 2×2, stride-2, unpadded case: the general loop's result without its per-element bounds
 * checks. The index starts at the window's first element and a NaN always wins, as torch's CPU kernel
 * (`val > maxval || isnan(val)`).
 */
function max_pool_2x2(
  x: ArrayLike<number>,
  y: { [i: number]: number },
  arg: Int32Array,
  planes: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
): void {
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const r0 = 2 * oy * w;
      const r1 = r0 + w;
      for (let ox = 0; ox < ow; ox++, o++) {
        const c = 2 * ox;
        let bi = r0 + c;
        let best = x[base + bi];
        let v = x[base + r0 + c + 1];
        if (v > best || Number.isNaN(v)) {
          best = v;
          bi = r0 + c + 1;
        }
        v = x[base + r1 + c];
        if (v > best || Number.isNaN(v)) {
          best = v;
          bi = r1 + c;
        }
        v = x[base + r1 + c + 1];
        if (v > best || Number.isNaN(v)) {
          best = v;
          bi = r1 + c + 1;
        }
        y[o] = best;
        arg[o] = bi;
      }
    }
  }
}

/**
 * F.max_pool2d(input, kernel_size, {stride=kernel_size, padding, dilation, ceil_mode, return_indices}).
 * With return_indices it returns [output, indices] (flat indices into each H·W plane, int64).
 */
export const max_pool2d = define_function('F.max_pool2d', max_pool2d_impl) as {
  (
    input: Tensor,
    kernel_size: number | [number, number],
    options?: MaxPool2dOptions & { return_indices?: false },
  ): Tensor;
  (
    input: Tensor,
    kernel_size: number | [number, number],
    options: MaxPool2dOptions & { return_indices: true },
  ): [Tensor, Tensor];
};

/** Options of F.avg_pool2d. */
export interface AvgPool2dOptions {
  stride?: number | [number, number] | null;
  padding?: number | [number, number];
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/**
 * Averages over windows given as (plane → list of [y0, y1, x0, x1, divisor]); shared by avg and adaptive pools.
 * `torch_global_mean`: the single window is the whole plane and its mean rounds as torch's CPU mean (a float32
 * cascade sum, then / (h·w)), which adaptive_avg_pool2d to 1x1 calls (under set_fp32_numerics('pytorch_x86')).
 */
function window_pool(
  input: Tensor,
  oh: number,
  ow: number,
  lead: number[],
  windows: Float64Array,
  name: string,
  torch_global_mean = false,
): Tensor {
  const h = input.shape[input.ndim - 2];
  const w = input.shape[input.ndim - 1];
  const planes = lead.reduce((a, b) => a * b, 1);
  const x = input.data;
  const nwin = oh * ow;
  const y = new Float32Array(planes * nwin);
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    if (torch_global_mean) {
      y[pl] = torch_sum_f32(x.subarray(base, base + h * w)) / (h * w);
      continue;
    }
    for (let wi = 0; wi < nwin; wi++) {
      const [y0, y1, x0, x1, div] = windows.subarray(wi * 5, wi * 5 + 5);
      let sum = 0;
      for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) sum += x[base + iy * w + ix];
      y[pl * nwin + wi] = div > 0 ? sum / div : 0;
    }
  }
  const out = new Tensor(y, [...lead, oh, ow], 'float32');
  return record_grad(out, [input], name, (g) => {
    const gd = g.data;
    const gx = new Float32Array(x.length);
    for (let pl = 0; pl < planes; pl++) {
      const base = pl * h * w;
      for (let wi = 0; wi < nwin; wi++) {
        const [y0, y1, x0, x1, div] = windows.subarray(wi * 5, wi * 5 + 5);
        if (!(div > 0)) continue;
        const v = gd[pl * nwin + wi] / div;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) gx[base + iy * w + ix] += v;
      }
    }
    return [new Tensor(gx, input.shape, 'float32')];
  });
}

/** F.avg_pool2d(input, kernel_size, {stride=kernel_size, padding, ceil_mode, count_include_pad=true, divisor_override}). */
export const avg_pool2d = define_function(
  'F.avg_pool2d',
  (input: Tensor, kernel_size: number | [number, number], options: AvgPool2dOptions = {}): Tensor => {
    const op = 'F.avg_pool2d';
    if (input instanceof Tensor && input.is_quantized)
      return on_quantized(input, op, (x) => qpool.avg_pool2d(x, kernel_size, options));
    check_float(input, op);
    const k = pair(kernel_size, op, 'kernel_size');
    const s = options.stride == null ? k : pair(options.stride, op, 'stride');
    const p = pair(options.padding ?? 0, op, 'padding');
    const ceil = options.ceil_mode ?? false;
    const include_pad = options.count_include_pad ?? true;
    const div_override = options.divisor_override ?? null;
    if (p[0] > k[0] / 2 || p[1] > k[1] / 2)
      throw new Error(`${op}: padding ${fmt(p)} should be at most half of kernel_size ${fmt(k)}`);
    const { h, w, lead } = planes_of(input, op);
    const oh = pool_out_size(h, k[0], s[0], p[0], 1, ceil);
    const ow = pool_out_size(w, k[1], s[1], p[1], 1, ceil);
    if (oh <= 0 || ow <= 0) throw new Error(`${op}: input ${fmt(input.shape)} is too small for kernel_size ${fmt(k)}`);
    const windows = new Float64Array(oh * ow * 5);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        // torch: the padded window size counts only up to the padded border, then clips to the input
        let y0 = oy * s[0] - p[0];
        let x0 = ox * s[1] - p[1];
        let y1 = Math.min(y0 + k[0], h + p[0]);
        let x1 = Math.min(x0 + k[1], w + p[1]);
        const pool_size = (y1 - y0) * (x1 - x0);
        y0 = Math.max(y0, 0);
        x0 = Math.max(x0, 0);
        y1 = Math.min(y1, h);
        x1 = Math.min(x1, w);
        const div = div_override ?? (include_pad ? pool_size : (y1 - y0) * (x1 - x0));
        windows.set([y0, y1, x0, x1, y1 > y0 && x1 > x0 ? div : 0], (oy * ow + ox) * 5);
      }
    }
    return window_pool(input, oh, ow, lead, windows, 'AvgPool2DBackward');
  },
);

/** F.adaptive_avg_pool2d(input, output_size): window i spans [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). null keeps that dim. */
export const adaptive_avg_pool2d = define_function(
  'F.adaptive_avg_pool2d',
  (input: Tensor, output_size: number | [number | null, number | null]): Tensor => {
    const op = 'F.adaptive_avg_pool2d';
    if (!(input instanceof Tensor && input.is_quantized)) check_float(input, op);
    const { h, w, lead } = planes_of(input, op);
    const os = typeof output_size === 'number' ? [output_size, output_size] : output_size;
    if (os.length !== 2) throw new Error(`${op}: output_size must be an int or a pair, got [${os.join(', ')}]`);
    const oh = os[0] ?? h;
    const ow = os[1] ?? w;
    if (!(Number.isSafeInteger(oh) && Number.isSafeInteger(ow) && oh >= 1 && ow >= 1))
      throw new Error(`${op}: output_size must be positive integers, got [${oh}, ${ow}]`);
    if (input.is_quantized) return on_quantized(input, op, (x) => qpool.adaptive_avg_pool2d(x, [oh, ow]));
    const windows = new Float64Array(oh * ow * 5);
    for (let oy = 0; oy < oh; oy++) {
      const y0 = Math.floor((oy * h) / oh);
      const y1 = Math.ceil(((oy + 1) * h) / oh);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = Math.floor((ox * w) / ow);
        const x1 = Math.ceil(((ox + 1) * w) / ow);
        windows.set([y0, y1, x0, x1, (y1 - y0) * (x1 - x0)], (oy * ow + ox) * 5);
      }
    }
    const torch_mean = oh === 1 && ow === 1 && get_fp32_numerics() === 'pytorch_x86';
    return window_pool(input, oh, ow, lead, windows, 'AdaptiveAvgPool2DBackward', torch_mean);
  },
);
