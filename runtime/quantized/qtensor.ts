/**
 * Helpers the int8 ops share: checking quantized operands (with errors naming op, shapes and
 * dtypes), building quantized tensors, and torch's float32 quantize / dequantize / qparam choice.
 */
import { rne } from '../backends/js/int8/numerics.js';
import type { QInput, QOutput } from '../backends/types.js';
import type { QuantDType } from '../tensor/dtype.js';
import { type Shape, Tensor } from '../tensor/tensor.js';

const fround = Math.fround;

/** A per-tensor quantized tensor's qparams. */
export interface QParams {
  scale: number;
  zero_point: number;
}

/** Describes a tensor for error messages: shape, dtype and qparams. */
export function describe(t: unknown): string {
  if (!(t instanceof Tensor)) return `a ${t === null ? 'null' : typeof t}`;
  const q = t.quantizer;
  const qp = q?.kind === 'per_tensor' ? `, scale=${q.scale}, zero_point=${q.zero_point}` : q ? ', per_channel' : '';
  return `tensor [${t.shape.join(', ')}] ${t.dtype}${qp}`;
}

/** Checks `t` is a per-tensor quint8 tensor (what every int8 activation op takes); returns its qparams. */
export function check_quint8(t: unknown, op: string, what = 'input'): QParams {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a quantized Tensor, got ${describe(t)}`);
  if (!t.is_quantized) {
    throw new Error(
      `${op}: ${what} is a float tensor (${describe(t)}); quantize it first (quantize_per_tensor / nn.quantized.Quantize)`,
    );
  }
  if (t.dtype !== 'quint8') throw new Error(`${op}: ${what} must be quint8, got ${describe(t)}`);
  const q = t.quantizer;
  if (q?.kind !== 'per_tensor') throw new Error(`${op}: ${what} must be per-tensor quantized, got ${describe(t)}`);
  return { scale: q.scale, zero_point: q.zero_point };
}

/** The kernel view of a quint8 tensor. */
export function as_qinput(t: Tensor, op: string, what = 'input'): QInput {
  const qp = check_quint8(t, op, what);
  return { data: t.data as Uint8Array, scale: qp.scale, zero_point: qp.zero_point };
}

/** Checks output qparams given to an op (scale a positive finite float32, zero point in the dtype's range). */
export function check_out_qparams(scale: number, zero_point: number, op: string, dtype: QuantDType = 'quint8'): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0)
    throw new Error(`${op}: output scale ${scale} must be a positive finite number`);
  const [lo, hi] = dtype === 'quint8' ? [0, 255] : [-128, 127];
  if (!Number.isInteger(zero_point) || zero_point < lo || zero_point > hi) {
    throw new Error(`${op}: output zero_point ${zero_point} must be an integer in ${dtype}'s ${lo}..${hi}`);
  }
}

/**
 * A requantization target (clamped at the zero point when `relu`, and to `clamp` when given: a folded
 * relu / relu6 / hardtanh, see compiler/passes/fold_clamps.ts).
 */
export function qoutput(
  scale: number,
  zero_point: number,
  relu: boolean,
  clamp?: readonly [number, number] | null,
): QOutput {
  const qmin = relu ? zero_point : 0;
  if (!clamp) return { scale: fround(scale), zero_point, qmin, qmax: 255 };
  return { scale: fround(scale), zero_point, qmin: Math.max(qmin, clamp[0]), qmax: Math.min(255, clamp[1]) };
}

/** Throws unless `clamp` is null or integers 0 ≤ lo ≤ hi ≤ 255 (an output clamp of an int8 conv / linear). */
export function check_out_clamp(clamp: unknown, where: string): readonly [number, number] | null {
  if (clamp === null || clamp === undefined) return null;
  const ok =
    Array.isArray(clamp) &&
    clamp.length === 2 &&
    clamp.every((v) => Number.isInteger(v) && v >= 0 && v <= 255) &&
    clamp[0] <= clamp[1];
  if (!ok) throw new Error(`${where}: out_clamp ${JSON.stringify(clamp)} must be [lo, hi] with 0 ≤ lo ≤ hi ≤ 255`);
  return [clamp[0], clamp[1]];
}

/** A per-tensor quantized tensor over `data` (no copy). Scales are stored as float32 values, as torch does. */
export function make_qtensor(
  data: Uint8Array | Int8Array,
  shape: Shape,
  dtype: 'quint8' | 'qint8',
  scale: number,
  zero_point: number,
): Tensor {
  const t = new Tensor(data, shape, dtype);
  t.quantizer = { kind: 'per_tensor', scale: fround(scale), zero_point };
  return t;
}

/** torch's quantize_val: clamp(zp + rne(fround(x · fround(1 / scale))), qmin, qmax). */
export function quantize_value(x: number, inv_scale: number, zero_point: number, qmin: number, qmax: number): number {
  const q = zero_point + rne(fround(x * inv_scale));
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

/** Quantizes float32 values to quint8 storage at (scale, zero_point). */
export function quantize_to_u8(x: ArrayLike<number>, scale: number, zero_point: number, out?: Uint8Array): Uint8Array {
  const y = out ?? new Uint8Array(x.length);
  const inv = fround(1 / fround(scale));
  for (let i = 0; i < x.length; i++) y[i] = quantize_value(x[i], inv, zero_point, 0, 255);
  return y;
}

/** Dequantizes integer storage: fround((q − zp) · scale). */
export function dequantize_values(q: ArrayLike<number>, scale: number, zero_point: number): Float32Array {
  const y = new Float32Array(q.length);
  const s = fround(scale);
  for (let i = 0; i < q.length; i++) y[i] = (q[i] - zero_point) * s;
  return y;
}

// torch (quant_utils.h): scales below fp16's smallest normal are raised to it
const SMALL_SCALE_THRESHOLD = fround(6.1e-5);

/**
 * torch's quant_utils::ChooseQuantizationParams(min, max, qmin, qmax) without sparsity or power-of-two
 * options: the range widened to include 0, scale in double then stored as float32, the zero point
 * from whichever end adds the smaller error, nudged to an integer. Dynamic quantization uses it.
 */
export function choose_qparams(min: number, max: number, qmin = 0, qmax = 255): QParams {
  if (!(min <= max)) throw new Error(`choose_qparams: min ${min} must be ≤ max ${max} (a NaN in the input?)`);
  min = Math.min(min, 0);
  max = Math.max(max, 0);
  let scale = (max - min) / (qmax - qmin);
  if (fround(scale) === 0 || !Number.isFinite(fround(1 / fround(scale)))) scale = 0.1;
  if (scale < SMALL_SCALE_THRESHOLD) {
    const org = fround(scale);
    scale = SMALL_SCALE_THRESHOLD;
    if (min === 0) max = fround(SMALL_SCALE_THRESHOLD * (qmax - qmin));
    else if (max === 0) min = fround(-SMALL_SCALE_THRESHOLD * (qmax - qmin));
    else {
      const amp = fround(SMALL_SCALE_THRESHOLD / org);
      min = fround(min * amp);
      max = fround(max * amp);
    }
  }
  const zp_min = qmin - min / scale;
  const zp_max = qmax - max / scale;
  const err_min = Math.abs(qmin) - Math.abs(min / scale);
  const err_max = Math.abs(qmax) - Math.abs(max / scale);
  const initial = err_min < err_max ? zp_min : zp_max;
  // nearbyint on a double: round half to even
  const zp = initial < qmin ? qmin : initial > qmax ? qmax : rne(initial);
  return { scale: fround(scale), zero_point: zp };
}

/** Float32 storage of a float tensor, or an error naming the op when it is quantized / not float. */
export function check_float(t: unknown, op: string, what = 'input'): Float32Array {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${describe(t)}`);
  if (t.is_quantized || t.dtype !== 'float32')
    throw new Error(`${op}: ${what} must be a float32 tensor, got ${describe(t)}`);
  return t.data as Float32Array;
}

/**
 * An output qparam as a number: eager code passes numbers, a converted FX graph passes the 0-d tensor
 * buffers its get_attr nodes read (`layer1_relu2_scale_0`); torch.ops.quantized accepts both.
 */
export function out_qparam(v: number | Tensor, what: string, op: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && typeof v.numel === 'function' && v.numel() === 1) return Number(v.data[0]);
  const got =
    typeof v === 'object' && v !== null && Array.isArray(v.shape)
      ? `a tensor of shape [${v.shape.join(', ')}]`
      : Array.isArray(v)
        ? 'a list'
        : typeof v;
  throw new Error(`${op}: output ${what} must be a number or a one-element tensor, got ${got}`);
}
