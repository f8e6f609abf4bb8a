/**
 * Fake-quantization functions with autograd, as ATen's CPU kernels (PyTorch 1.13):
 * forward y = (clamp(zp + rne(x · fround(1/scale)), qmin, qmax) − zp) · scale in float32;
 * backward: straight-through inside [qmin, qmax], zero outside; the learnable variants also return
 * LSQ gradients for scale and zero point (torch's _fake_quantize_learnable_*_backward).
 */
import { record_grad } from '../autograd/function.js';
import { define_function } from '../tensor/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { rne } from './qparams.js';

const f = Math.fround;

type Scalar = number | Tensor;

function scalar(v: Scalar, what: string, op: string): number {
  if (typeof v === 'number') return v;
  if (v.numel() !== 1)
    throw new Error(`${op}: ${what} must be a number or one-element tensor, got shape [${v.shape.join(', ')}]`);
  return v.data[0];
}

function check_args(x: Tensor, qmin: number, qmax: number, op: string): void {
  if (!(x instanceof Tensor) || x.dtype !== 'float32' || x.is_quantized) {
    throw new Error(`${op}: input must be a float32 tensor, got ${x instanceof Tensor ? x.dtype : typeof x}`);
  }
  if (!Number.isInteger(qmin) || !Number.isInteger(qmax) || qmin > qmax) {
    throw new Error(`${op}: quant_min (${qmin}) must be an integer <= quant_max (${qmax})`);
  }
}

/** Channel of flat index i for a tensor of `shape` along `axis`: (i / inner) % C. */
function channel_geometry(x: Tensor, axis: number, n_params: number, op: string): { C: number; inner: number } {
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.ndim) {
    throw new Error(`${op}: axis ${axis} is out of range for input of shape [${x.shape.join(', ')}]`);
  }
  const C = x.shape[axis];
  if (n_params !== C) {
    throw new Error(
      `${op}: got ${n_params} scales/zero points for ${C} channels (axis ${axis} of [${x.shape.join(', ')}])`,
    );
  }
  return { C, inner: x.shape.slice(axis + 1).reduce((p, d) => p * d, 1) };
}

function fq_per_tensor_impl(
  x: Tensor,
  scale: Scalar,
  zero_point: Scalar,
  quant_min: number,
  quant_max: number,
): Tensor {
  const op = 'fake_quantize_per_tensor_affine';
  check_args(x, quant_min, quant_max, op);
  const s = f(scalar(scale, 'scale', op));
  const zp = scalar(zero_point, 'zero_point', op);
  if (!(s > 0)) throw new Error(`${op}: scale must be positive, got ${s}`);
  if (!(zp >= quant_min && zp <= quant_max))
    throw new Error(`${op}: zero_point ${zp} is outside [${quant_min}, ${quant_max}]`);
  return fake_quant_cachemask(x, [s], [zp], 1, quant_min, quant_max, 'FakeQuantizePerTensorAffineCachemaskBackward');
}

function fq_per_channel_impl(
  x: Tensor,
  scale: Tensor,
  zero_point: Tensor,
  axis: number,
  quant_min: number,
  quant_max: number,
): Tensor {
  const op = 'fake_quantize_per_channel_affine';
  check_args(x, quant_min, quant_max, op);
  const { C, inner } = channel_geometry(x, axis, scale.numel(), op);
  if (zero_point.numel() !== C)
    throw new Error(`${op}: zero_point has ${zero_point.numel()} entries for ${C} channels`);
  return fake_quant_cachemask(
    x,
    scale.data,
    zero_point.data,
    inner,
    quant_min,
    quant_max,
    'FakeQuantizePerChannelAffineCachemaskBackward',
  );
}

/**
 * The cachemask op both non-learnable fake-quants share: fake_quant_forward, with a backward that
 * passes the gradient only where zp + round(x/s) fell inside [quant_min, quant_max] (straight-through).
 */
function fake_quant_cachemask(
  x: Tensor,
  scales: ArrayLike<number>,
  zero_points: ArrayLike<number>,
  inner: number,
  quant_min: number,
  quant_max: number,
  backward_name: string,
): Tensor {
  const mask = new Uint8Array(x.numel());
  const out = fake_quant_forward(x, scales, zero_points, inner, quant_min, quant_max, mask);
  return record_grad(out, [x], backward_name, (g) => {
    const gd = g.data;
    const gx = new Float32Array(gd.length);
    for (let i = 0; i < gd.length; i++) gx[i] = mask[i] ? gd[i] : 0;
    return [new Tensor(gx, x.shape, 'float32')];
  });
}

/**
 * The fake-quant forward every op here shares: element i uses channel ⌊i/inner⌋ mod C of
 * `scales`/`zero_points` (per-tensor is C = 1) and becomes (clamp(zp + round(x/s)) − zp)·s, with torch's
 * float32 rounding of x·(1/s). When `mask` is given it records which elements fell inside the range.
 */
function fake_quant_forward(
  x: Tensor,
  scales: ArrayLike<number>,
  zero_points: ArrayLike<number>,
  inner: number,
  quant_min: number,
  quant_max: number,
  mask?: Uint8Array,
): Tensor {
  const C = scales.length;
  const d = x.data;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const c = Math.floor(i / inner) % C;
    const s = f(scales[c]);
    const zp = zero_points[c];
    const q = f(zp + rne(f(d[i] * f(1 / s))));
    if (mask) mask[i] = q >= quant_min && q <= quant_max ? 1 : 0;
    out[i] = (Math.min(Math.max(q, quant_min), quant_max) - zp) * s;
  }
  return new Tensor(out, x.shape, 'float32');
}

/**
 * One element of torch's learnable fake-quant gradient kernel: [dx, dscale, dzero_point] contributions
 * (clamped side: dscale = dy·(qbound − zp), dzp = −dy·scale; inside: dscale = dy·(x̂ − x)/scale, dzp = 0),
 * scale/zp grads multiplied by grad_factor.
 */
function lsq_grad(
  x: number,
  dy: number,
  s: number,
  zp: number,
  qmin: number,
  qmax: number,
  gf: number,
  out: Float64Array,
): void {
  const inv = f(1 / s);
  const xq = rne(f(zp + f(x * inv)));
  const inside = xq >= qmin && xq <= qmax;
  out[0] = inside ? dy : 0;
  if (!inside) {
    out[2] = f(f(f(dy * -1) * s) * gf);
    out[1] = f((xq < qmin ? f(dy * f(qmin - zp)) : f(dy * f(qmax - zp))) * gf);
  } else {
    const xfq = f((Math.max(Math.min(xq, qmax), qmin) - zp) * s);
    out[2] = 0;
    out[1] = f(f(f(dy * f(xfq - x)) * inv) * gf);
  }
}

/**
 * The learnable fake-quant backward both ops share: per element lsq_grad with channel ⌊i/inner⌋ mod C of
 * `scales`/`zero_points` (per-tensor is C = 1); the scale and zero-point gradients are summed per channel
 * (in float64, rounded to float32 once) and shaped like the `scale` / `zero_point` inputs.
 */
function lsq_backward(
  x: Tensor,
  g: Tensor,
  scales: ArrayLike<number>,
  zero_points: ArrayLike<number>,
  inner: number,
  quant_min: number,
  quant_max: number,
  grad_factor: number,
  scale: Tensor,
  zero_point: Tensor,
): Tensor[] {
  const C = scales.length;
  const d = x.data;
  const gd = g.data;
  const gx = new Float32Array(d.length);
  const ds = new Float64Array(C);
  const dz = new Float64Array(C);
  const tmp = new Float64Array(3);
  for (let i = 0; i < d.length; i++) {
    const c = Math.floor(i / inner) % C;
    lsq_grad(d[i], gd[i], scales[c], zero_points[c], quant_min, quant_max, f(grad_factor), tmp);
    gx[i] = tmp[0];
    ds[c] += tmp[1];
    dz[c] += tmp[2];
  }
  return [
    new Tensor(gx, x.shape, 'float32'),
    new Tensor(Float32Array.from(ds), scale.shape, 'float32'),
    new Tensor(Float32Array.from(dz), zero_point.shape, 'float32'),
  ];
}

function learnable_per_tensor_impl(
  x: Tensor,
  scale: Tensor,
  zero_point: Tensor,
  quant_min: number,
  quant_max: number,
  grad_factor = 1,
): Tensor {
  const op = '_fake_quantize_learnable_per_tensor_affine';
  check_args(x, quant_min, quant_max, op);
  if (scale.numel() !== 1 || zero_point.numel() !== 1) {
    throw new Error(
      `${op}: scale and zero_point must have one element, got ${scale.numel()} and ${zero_point.numel()}`,
    );
  }
  const s = f(scale.data[0]);
  if (!(s > 0)) throw new Error(`${op}: scale must be positive, got ${s}`);
  // forward rounds the float zero point to nearest-even and clamps it (_get_zero_point_from_tensor)
  const zp_fwd = Math.min(Math.max(rne(f(zero_point.data[0])), quant_min), quant_max);
  const y = fake_quant_forward(x, [s], [zp_fwd], 1, quant_min, quant_max);
  return record_grad(y, [x, scale, zero_point], 'FakeQuantizeLearnablePerTensorAffineBackward', (g) => {
    // backward takes trunc(zp + 0.5), clamped (is_forward = false)
    const zp = Math.trunc(Math.min(Math.max(f(f(zero_point.data[0]) + 0.5), quant_min), quant_max));
    return lsq_backward(x, g, [s], [zp], 1, quant_min, quant_max, grad_factor, scale, zero_point);
  });
}

function learnable_per_channel_impl(
  x: Tensor,
  scale: Tensor,
  zero_point: Tensor,
  axis: number,
  quant_min: number,
  quant_max: number,
  grad_factor = 1,
): Tensor {
  const op = '_fake_quantize_learnable_per_channel_affine';
  check_args(x, quant_min, quant_max, op);
  const { C, inner } = channel_geometry(x, axis, scale.numel(), op);
  if (zero_point.numel() !== C)
    throw new Error(`${op}: zero_point has ${zero_point.numel()} entries for ${C} channels`);
  // per-channel uses zero_point.round().clamp() in both directions (_get_rounded_zero_point)
  const zps = Float32Array.from(zero_point.data, (z) => Math.min(Math.max(rne(f(z)), quant_min), quant_max));
  const ss = Float32Array.from(scale.data);
  for (let c = 0; c < C; c++) if (!(ss[c] > 0)) throw new Error(`${op}: scale[${c}] must be positive, got ${ss[c]}`);
  return record_grad(
    fake_quant_forward(x, ss, zps, inner, quant_min, quant_max),
    [x, scale, zero_point],
    'FakeQuantizeLearnablePerChannelAffineBackward',
    (g) => lsq_backward(x, g, ss, zps, inner, quant_min, quant_max, grad_factor, scale, zero_point),
  );
}

/** torch.fake_quantize_per_tensor_affine(input, scale, zero_point, quant_min, quant_max), straight-through gradient. */
export const fake_quantize_per_tensor_affine = define_function('fake_quantize_per_tensor_affine', fq_per_tensor_impl);
/** torch.fake_quantize_per_channel_affine(input, scale, zero_point, axis, quant_min, quant_max). */
export const fake_quantize_per_channel_affine = define_function(
  'fake_quantize_per_channel_affine',
  fq_per_channel_impl,
);
/** torch._fake_quantize_learnable_per_tensor_affine: fake quant with LSQ gradients for scale and zero_point. */
export const _fake_quantize_learnable_per_tensor_affine = define_function(
  '_fake_quantize_learnable_per_tensor_affine',
  learnable_per_tensor_impl,
);
/** torch._fake_quantize_learnable_per_channel_affine. */
export const _fake_quantize_learnable_per_channel_affine = define_function(
  '_fake_quantize_learnable_per_channel_affine',
  learnable_per_channel_impl,
);
