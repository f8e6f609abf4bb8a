/**
 * F.batch_norm and F.layer_norm with their gradients. Statistics are accumulated in float64 and the
 * results stored as float32; batch_norm in training mode normalises with the biased batch variance
 * and updates the running variance with the unbiased one, as torch does.
 */
import { needs_grad, record_grad } from '../../autograd/function.js';
import { get_backend, get_fp32_numerics, pytorch_fp32 } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt } from './_util.js';

/** Options of F.batch_norm (torch's keyword arguments). */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  /** Running-stat update factor: new = (1 − momentum)·old + momentum·batch. */
  momentum?: number;
  eps?: number;
}

function check_vec(t: Tensor | null | undefined, c: number, op: string, what: string): void {
  if (t == null) return;
  check_float(t, op, what);
  if (t.numel() !== c)
    throw new Error(`${op}: ${what} must have ${c} elements (one per channel), got shape ${fmt(t.shape)}`);
}

function bn_impl(
  input: Tensor,
  running_mean: Tensor | null,
  running_var: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const op = 'F.batch_norm';
  check_float(input, op);
  if (input.ndim < 2)
    throw new Error(`${op}: expected an input of at least 2 dims [N, C, ...], got ${fmt(input.shape)}`);
  const { weight = null, bias = null } = options;
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const [n, c] = input.shape;
  const inner = input.numel() / (n * c);
  check_vec(running_mean, c, op, 'running_mean');
  check_vec(running_var, c, op, 'running_var');
  check_vec(weight, c, op, 'weight');
  check_vec(bias, c, op, 'bias');
  const count = n * inner;
  if (training && count <= 1) {
    throw new Error(`${op}: expected more than 1 value per channel when training, got input size ${fmt(input.shape)}`);
  }
  if (!training && (running_mean == null || running_var == null)) {
    throw new Error(`${op}: running_mean and running_var are required in eval mode (training=false)`);
  }
  const x = input.data;
  const mean = new Float64Array(c);
  const invstd = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let m: number;
    let v: number;
    if (training) {
      let s = 0;
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * inner;
        for (let i = 0; i < inner; i++) s += x[base + i];
      }
      m = s / count;
      let ss = 0;
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * inner;
        for (let i = 0; i < inner; i++) ss += (x[base + i] - m) ** 2;
      }
      v = ss / count;
      if (running_mean) running_mean.data[ch] = (1 - momentum) * running_mean.data[ch] + momentum * m;
      if (running_var) running_var.data[ch] = (1 - momentum) * running_var.data[ch] + momentum * (ss / (count - 1));
    } else {
      m = (running_mean as Tensor).data[ch];
      v = (running_var as Tensor).data[ch];
    }
    mean[ch] = m;
    invstd[ch] = 1 / Math.sqrt(v + eps);
  }
  const gamma = weight?.data;
  const beta = bias?.data;
  // per-channel float64 scale and shift; y = x·sc + sh is evaluated in float64 and rounded once on store
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    scale[ch] = invstd[ch] * (gamma ? gamma[ch] : 1);
    shift[ch] = (beta ? beta[ch] : 0) - mean[ch] * scale[ch];
  }
  // eval-mode inference: the backend's kernel (wasm SIMD) computes the same float64 mul and add
  const kernel = get_backend().fp32.batch_norm_affine;
  if (kernel && !training && !needs_grad(input, weight, bias))
    return new Tensor(kernel(x as Float32Array, n * c, inner, scale, shift), input.shape, 'float32');
  const y = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (b * c + ch) * inner;
      const sc = scale[ch];
      const sh = shift[ch];
      for (let i = 0; i < inner; i++) y[base + i] = x[base + i] * sc + sh;
    }
  }
  const out = new Tensor(y, input.shape, 'float32');
  const inputs = [input, weight, bias].filter((t): t is Tensor => t != null);
  return record_grad(out, inputs, 'NativeBatchNormBackward', (g) => {
    const gd = g.data;
    const sum_dy = new Float64Array(c);
    const sum_dy_xh = new Float64Array(c);
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const base = (b * c + ch) * inner;
        let s1 = 0;
        let s2 = 0;
        for (let i = 0; i < inner; i++) {
          s1 += gd[base + i];
          s2 += gd[base + i] * (x[base + i] - mean[ch]);
        }
        sum_dy[ch] += s1;
        sum_dy_xh[ch] += s2 * invstd[ch];
      }
    }
    let gx: Tensor | null = null;
    if (input.requires_grad) {
      const d = new Float32Array(x.length);
      for (let b = 0; b < n; b++) {
        for (let ch = 0; ch < c; ch++) {
          const base = (b * c + ch) * inner;
          const k = invstd[ch] * (gamma ? gamma[ch] : 1);
          if (training) {
            // the batch statistics depend on x: dx = γ·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂))
            const a = sum_dy[ch] / count;
            const bb = sum_dy_xh[ch] / count;
            for (let i = 0; i < inner; i++) {
              const xh = (x[base + i] - mean[ch]) * invstd[ch];
              d[base + i] = k * (gd[base + i] - a - xh * bb);
            }
          } else for (let i = 0; i < inner; i++) d[base + i] = k * gd[base + i];
        }
      }
      gx = new Tensor(d, input.shape, 'float32');
    }
    const res: (Tensor | null)[] = [gx];
    if (weight)
      res.push(weight.requires_grad ? new Tensor(Float32Array.from(sum_dy_xh), weight.shape, 'float32') : null);
    if (bias) res.push(bias.requires_grad ? new Tensor(Float32Array.from(sum_dy), bias.shape, 'float32') : null);
    return res;
  });
}

/**
 * F.batch_norm(input, running_mean, running_var, {weight, bias, training=false, momentum=0.1, eps=1e-5}).
 * In training mode it normalises with batch statistics and updates the running tensors in place.
 */
export const batch_norm = define_function('F.batch_norm', bn_impl);

/** Options of F.layer_norm. */
export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** F.layer_norm(input, normalized_shape, {weight, bias, eps=1e-5}): normalises over the trailing dims. */
export const layer_norm = define_function(
  'F.layer_norm',
  (input: Tensor, normalized_shape: readonly number[], options: LayerNormOptions = {}): Tensor => {
    const op = 'F.layer_norm';
    check_float(input, op);
    const ns = [...normalized_shape];
    const tail = input.shape.slice(input.ndim - ns.length);
    if (ns.length > input.ndim || tail.some((d, i) => d !== ns[i])) {
      throw new Error(
        `${op}: normalized_shape ${fmt(ns)} does not match the trailing dims of input ${fmt(input.shape)}`,
      );
    }
    const { weight = null, bias = null } = options;
    const eps = options.eps ?? 1e-5;
    const d = ns.reduce((a, b) => a * b, 1);
    for (const [t, what] of [
      [weight, 'weight'],
      [bias, 'bias'],
    ] as const) {
      if (t == null) continue;
      check_float(t, op, what);
      if (t.shape.length !== ns.length || t.shape.some((v, i) => v !== ns[i])) {
        throw new Error(`${op}: ${what} must have shape ${fmt(ns)}, got ${fmt(t.shape)}`);
      }
    }
    const rows = d === 0 ? 0 : input.numel() / d;
    const x = input.data;
    const gamma = weight?.data;
    const beta = bias?.data;
    // inference: the backend's kernel of the loop below (wasm: same float64 steps), no statistics kept
    const kernel = get_backend().fp32.layer_norm;
    if (kernel && x instanceof Float32Array && !needs_grad(input, weight, bias) && get_fp32_numerics() === 'fast') {
      const f32 = (t: ArrayLike<number> | undefined) => (t ? (t as Float32Array) : null);
      return new Tensor(kernel(x, rows, d, f32(gamma), f32(beta), eps), input.shape, 'float32');
    }
    const mean = new Float64Array(rows);
    const invstd = new Float64Array(rows);
    const y = new Float32Array(x.length);
    for (let r = 0; r < rows; r++) {
      const base = r * d;
      let s = 0;
      for (let i = 0; i < d; i++) s += x[base + i];
      const m = s / d;
      let ss = 0;
      for (let i = 0; i < d; i++) ss += (x[base + i] - m) ** 2;
      const is = 1 / Math.sqrt(ss / d + eps);
      mean[r] = m;
      invstd[r] = is;
      for (let i = 0; i < d; i++) y[base + i] = (x[base + i] - m) * is * (gamma ? gamma[i] : 1) + (beta ? beta[i] : 0);
    }
    // ATen's float32 order on the ViT reference; the float64 statistics above serve the backward
    if (get_fp32_numerics() === 'pytorch_x86_zen5')
      pytorch_fp32().layer_norm(x, rows, d, gamma ?? null, beta ?? null, eps, y);
    const out = new Tensor(y, input.shape, 'float32');
    const inputs = [input, weight, bias].filter((t): t is Tensor => t != null);
    return record_grad(out, inputs, 'NativeLayerNormBackward', (g) => {
      const gd = g.data;
      const gx = new Float32Array(x.length);
      const gg = new Float64Array(d);
      const gb = new Float64Array(d);
      for (let r = 0; r < rows; r++) {
        const base = r * d;
        let s1 = 0;
        let s2 = 0;
        for (let i = 0; i < d; i++) {
          const xh = (x[base + i] - mean[r]) * invstd[r];
          const dxh = gd[base + i] * (gamma ? gamma[i] : 1);
          s1 += dxh;
          s2 += dxh * xh;
          gg[i] += gd[base + i] * xh;
          gb[i] += gd[base + i];
        }
        for (let i = 0; i < d; i++) {
          const xh = (x[base + i] - mean[r]) * invstd[r];
          const dxh = gd[base + i] * (gamma ? gamma[i] : 1);
          gx[base + i] = invstd[r] * (dxh - s1 / d - (xh * s2) / d);
        }
      }
      const res: (Tensor | null)[] = [input.requires_grad ? new Tensor(gx, input.shape, 'float32') : null];
      if (weight) res.push(weight.requires_grad ? new Tensor(Float32Array.from(gg), weight.shape, 'float32') : null);
      if (bias) res.push(bias.requires_grad ? new Tensor(Float32Array.from(gb), bias.shape, 'float32') : null);
      return res;
    });
  },
);
