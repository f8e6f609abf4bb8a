/**
 * Quantized tensors: quantize_per_tensor / quantize_per_channel / dequantize functions and the eager
 * `dequantize` and `int_repr` Tensor methods. Numerics follow ATen's CPU kernels of a non-fbgemm build
 * (PyTorch 1.13, the reference's): q = clamp(zp + rne(x · fround(1/scale)), dtype range) in float32,
 * x̂ = fround((q − zp) · scale).
 */
import { get_backend } from '../backends/registry.js';
import { define_function, define_method } from '../tensor/dispatch.js';
import { alloc, type DType, dtype_range, is_quantized_dtype, type QuantDType, repr_dtype } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { inv_scale_of, quantize_val } from './qparams.js';

type Scalar = number | Tensor;

function scalar_of(v: Scalar, what: string, op: string): number {
  if (typeof v === 'number') return v;
  if (v.numel() !== 1)
    throw new Error(`${op}: ${what} must be a number or a one-element tensor, got shape [${v.shape.join(', ')}]`);
  return v.data[0];
}

function check_float_input(x: unknown, op: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${typeof x}`);
  if (x.is_quantized || x.dtype !== 'float32') {
    throw new Error(
      `${op}: input must be a float32 tensor, got ${x.is_quantized ? 'a quantized' : 'a'} ${x.dtype} tensor`,
    );
  }
}

function check_qdtype(dtype: unknown, op: string): asserts dtype is QuantDType {
  if (typeof dtype !== 'string' || !is_quantized_dtype(dtype as DType)) {
    throw new Error(`${op}: dtype must be quint8, qint8 or qint32, got ${String(dtype)}`);
  }
}

function check_scale(scale: number, op: string, where = 'scale'): void {
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new Error(`${op}: ${where} must be a positive finite number, got ${scale}`);
}

function check_zero_point(zp: number, dtype: QuantDType, op: string, where = 'zero_point'): void {
  const [lo, hi] = dtype_range(dtype);
  if (!Number.isInteger(zp) || zp < lo || zp > hi) {
    throw new Error(`${op}: ${where} ${zp} is not an integer within ${dtype}'s range [${lo}, ${hi}]`);
  }
}

/** torch.quantize_per_tensor(input, scale, zero_point, dtype): an affine-quantized copy of a float tensor. */
function quantize_per_tensor_impl(input: Tensor, scale: Scalar, zero_point: Scalar, dtype: QuantDType): Tensor {
  const op = 'quantize_per_tensor';
  check_float_input(input, op);
  check_qdtype(dtype, op);
  const s = scalar_of(scale, 'scale', op);
  const zp = scalar_of(zero_point, 'zero_point', op);
  check_scale(s, op);
  check_zero_point(zp, dtype, op);
  const [qmin, qmax] = dtype_range(dtype);
  const inv = inv_scale_of(s);
  const x = input.data;
  let out: ReturnType<typeof alloc>;
  if (dtype === 'quint8') {
    // the backend's kernel (wasm SIMD or the js reference): the same quantize_val to 0..255, bit for bit
    out = get_backend().rnn.quantize_u8(x as Float32Array, s, zp);
  } else {
    out = alloc(dtype, x.length);
    for (let i = 0; i < x.length; i++) out[i] = quantize_val(x[i], inv, zp, qmin, qmax);
  }
  const q = new Tensor(out, input.shape, dtype);
  q.quantizer = { kind: 'per_tensor', scale: s, zero_point: zp };
  return q;
}

/**
 * torch.quantize_per_channel(input, scales, zero_points, axis, dtype): one (scale, zero point) per
 * slice along `axis`. Scales are kept as doubles (as torch does) and rounded to float32 to quantize.
 */
function quantize_per_channel_impl(
  input: Tensor,
  scales: Tensor,
  zero_points: Tensor,
  axis: number,
  dtype: QuantDType,
): Tensor {
  const op = 'quantize_per_channel';
  check_float_input(input, op);
  check_qdtype(dtype, op);
  if (!Number.isInteger(axis) || axis < 0 || axis >= input.ndim) {
    throw new Error(
      `${op}: axis ${axis} is out of range for a ${input.ndim}-d input of shape [${input.shape.join(', ')}]`,
    );
  }
  const channels = input.shape[axis];
  if (scales.numel() !== channels || zero_points.numel() !== channels) {
    throw new Error(
      `${op}: expected ${channels} scales and zero_points (size of axis ${axis} of [${input.shape.join(', ')}]), got ${scales.numel()} and ${zero_points.numel()}`,
    );
  }
  const s64 = Float64Array.from(scales.data);
  const z32 = Int32Array.from(zero_points.data);
  for (let c = 0; c < channels; c++) {
    check_scale(s64[c], op, `scales[${c}]`);
    check_zero_point(z32[c], dtype, op, `zero_points[${c}]`);
  }
  const [qmin, qmax] = dtype_range(dtype);
  const inner = input.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const x = input.data;
  const out = alloc(dtype, x.length);
  for (let c = 0; c < channels; c++) {
    const inv = inv_scale_of(s64[c]);
    const zp = z32[c];
    // element i belongs to channel floor(i / inner) % channels
    for (let base = c * inner; base < x.length; base += channels * inner) {
      for (let e = 0; e < inner; e++) out[base + e] = quantize_val(x[base + e], inv, zp, qmin, qmax);
    }
  }
  const q = new Tensor(out, input.shape, dtype);
  q.quantizer = { kind: 'per_channel', scales: s64, zero_points: z32, axis };
  return q;
}

/** x̂ = fround((q − zp) · scale) per element (per channel for per-channel tensors); float tensors pass through. */
function dequantize_impl(self: Tensor): Tensor {
  if (!(self instanceof Tensor)) throw new Error(`dequantize: input must be a Tensor, got ${typeof self}`);
  const q = self.quantizer;
  if (q === null) {
    if (self.dtype === 'float32') return self;
    throw new Error(`dequantize: expected a quantized or float32 tensor, got ${self.dtype}`);
  }
  const d = self.data;
  const out = new Float32Array(d.length);
  if (q.kind === 'per_tensor') {
    for (let i = 0; i < d.length; i++) out[i] = (d[i] - q.zero_point) * q.scale;
  } else {
    const channels = self.shape[q.axis];
    const inner = self.shape.slice(q.axis + 1).reduce((p, v) => p * v, 1);
    for (let c = 0; c < channels; c++) {
      const s = q.scales[c];
      const zp = q.zero_points[c];
      for (let base = c * inner; base < d.length; base += channels * inner) {
        for (let e = 0; e < inner; e++) out[base + e] = (d[base + e] - zp) * s;
      }
    }
  }
  return new Tensor(out, self.shape, 'float32');
}

/** The integer representation of a quantized tensor as a plain uint8 / int8 / int32 tensor (a copy). */
function int_repr_impl(self: Tensor): Tensor {
  if (!self.is_quantized || !is_quantized_dtype(self.dtype)) {
    throw new Error(`int_repr: expected a quantized tensor, got a ${self.dtype} tensor`);
  }
  const dt = repr_dtype(self.dtype);
  const out = alloc(dt, self.numel());
  out.set(self.data);
  return new Tensor(out, self.shape, dt);
}

/** torch.quantize_per_tensor(input, scale, zero_point, dtype). */
export const quantize_per_tensor = define_function('quantize_per_tensor', quantize_per_tensor_impl);
/** torch.quantize_per_channel(input, scales, zero_points, axis, dtype). */
export const quantize_per_channel = define_function('quantize_per_channel', quantize_per_channel_impl);
/** torch.dequantize(t): float32 values of a quantized tensor. */
export const dequantize = define_function('dequantize', dequantize_impl);
/** torch.int_repr(t) (also Tensor.int_repr()). */
export const int_repr = define_function('int_repr', int_repr_impl);

define_method('dequantize', dequantize_impl);
define_method('int_repr', int_repr_impl);
