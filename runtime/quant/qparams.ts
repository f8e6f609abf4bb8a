/**
 * The integer-range and (min, max) → (scale, zero_point) math shared by every observer,
 * written after PyTorch 1.13's torch/ao/quantization/utils.py and observer.py, in float32
 * where torch computes in float32 (each tensor op rounds its result to float32).
 */
import type { QuantDType } from '../tensor/dtype.js';
import type { QScheme } from '../tensor/quantizer.js';

const f = Math.fround;

/** float32 machine epsilon, torch.finfo(torch.float32).eps: the floor of every computed scale. */
export const FLOAT32_EPS = 1.1920928955078125e-7;

/** Round half to even (std::nearbyint under the default rounding mode, torch.round). */
export function rne(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; pull exact ties back to the even neighbour
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** An observer's dtype: a quantized tensor dtype, or quint4x2 (4-bit embedding weights, packed two per byte). */
export type ObserverDType = QuantDType | 'quint4x2';

/** The quantized dtypes an observer accepts. */
export const OBSERVER_DTYPES: readonly ObserverDType[] = ['quint8', 'qint8', 'qint32', 'quint4x2'];

/** Throws unless `dtype` is a quantized dtype; `where` names the caller for the message. */
export function check_quant_dtype(dtype: unknown, where: string): asserts dtype is ObserverDType {
  if (!OBSERVER_DTYPES.includes(dtype as ObserverDType)) {
    throw new Error(`${where}: dtype must be one of ${OBSERVER_DTYPES.join(', ')}, got ${String(dtype)}`);
  }
}

/**
 * A user-specified integer range must contain 0 and be non-empty (torch's _validate_qmin_qmax),
 * and fit the dtype.
 */
export function validate_qmin_qmax(quant_min: number, quant_max: number, where: string, dtype?: ObserverDType): void {
  if (!Number.isInteger(quant_min) || !Number.isInteger(quant_max)) {
    throw new Error(`${where}: quant_min and quant_max must be integers, got ${quant_min} and ${quant_max}`);
  }
  if (!(quant_min <= 0 && 0 <= quant_max)) {
    throw new Error(`${where}: user-specified quantization range [${quant_min}, ${quant_max}] must include 0`);
  }
  if (quant_min >= quant_max) {
    throw new Error(`${where}: quant_min (${quant_min}) must be strictly less than quant_max (${quant_max})`);
  }
  if (dtype === 'qint8' && quant_max - quant_min + 1 > 256) {
    throw new Error(`${where}: quantization range [${quant_min}, ${quant_max}] exceeds the 8-bit range (256 values)`);
  }
  if (dtype === 'qint32' && quant_max - quant_min + 1 > 2 ** 31) {
    throw new Error(`${where}: quantization range [${quant_min}, ${quant_max}] exceeds 2^31 values`);
  }
}

/**
 * torch.ao.quantization.utils.calculate_qmin_qmax: a customized range (halved by reduce_range,
 * with floor division as Python's //) or the dtype's 8-bit default, reduced to 7 bits on request.
 */
export function calculate_qmin_qmax(
  quant_min: number | null | undefined,
  quant_max: number | null | undefined,
  has_customized_qrange: boolean,
  dtype: ObserverDType,
  reduce_range: boolean,
): [number, number] {
  if (has_customized_qrange) {
    const qmin = quant_min as number;
    const qmax = quant_max as number;
    return reduce_range ? [Math.floor(qmin / 2), Math.floor(qmax / 2)] : [qmin, qmax];
  }
  if (dtype === 'qint8') return reduce_range ? [-64, 63] : [-128, 127];
  if (dtype === 'quint8') return reduce_range ? [0, 127] : [0, 255];
  if (dtype === 'quint4x2') return [0, 15];
  return [-(2 ** 31), 2 ** 31 - 1];
}

/** What determine_qparams needs to know about an observer. */
export interface QParamsSpec {
  qscheme: QScheme;
  dtype: ObserverDType;
  quant_min: number;
  quant_max: number;
  has_customized_qrange: boolean;
  /** float32 eps floor of the scale. */
  eps: number;
}

/** Result of the (min, max) → qparams map: float32 scales and integer zero points, one per channel. */
export interface QParams {
  scale: Float32Array;
  zero_point: Int32Array;
}

/**
 * UniformQuantizationObserverBase._calculate_qparams for each (min, max) pair. The range is widened to
 * include 0; symmetric: scale = max(-min, max) / ((qmax - qmin) / 2), zero point 0 (128 or the range's
 * midpoint for quint8); affine: scale = (max - min) / (qmax - qmin), zp = qmin - round(min / scale), clamped.
 * Every division and max is one float32 op, as torch's tensor arithmetic.
 */
export function determine_qparams(min_val: ArrayLike<number>, max_val: ArrayLike<number>, spec: QParamsSpec): QParams {
  const n = min_val.length;
  const scale = new Float32Array(n);
  const zero_point = new Int32Array(n);
  const { quant_min, quant_max } = spec;
  const eps = f(spec.eps);
  const symmetric = spec.qscheme === 'per_tensor_symmetric' || spec.qscheme === 'per_channel_symmetric';
  for (let i = 0; i < n; i++) {
    const min_neg = Math.min(min_val[i], 0);
    const max_pos = Math.max(max_val[i], 0);
    if (symmetric) {
      const amax = Math.max(-min_neg, max_pos);
      scale[i] = Math.max(f(amax / f((quant_max - quant_min) / 2)), eps);
      if (spec.dtype === 'quint8') {
        zero_point[i] = spec.has_customized_qrange ? Math.floor((quant_min + quant_max) / 2) : 128;
      }
    } else {
      const s = Math.max(f(f(max_pos - min_neg) / (quant_max - quant_min)), eps);
      scale[i] = s;
      const zp = quant_min - rne(f(min_neg / s));
      zero_point[i] = Math.min(Math.max(zp, quant_min), quant_max);
    }
  }
  return { scale, zero_point };
}

/**
 * _calculate_qparams for per_channel_affine_float_qparams (torch 1.13, observer.py): the range is NOT widened
 * to include 0; scale = f32(f32(max − min) / (qmax − qmin)), replaced by 1 where it is not above eps; the zero
 * point is a float, f32(−min / scale), so x ≈ (q − zero_point) · scale with q = rne(x / scale + zero_point).
 */
export function float_qparams(
  min_val: ArrayLike<number>,
  max_val: ArrayLike<number>,
  quant_min: number,
  quant_max: number,
  eps: number,
): { scale: Float32Array; zero_point: Float32Array } {
  const n = min_val.length;
  const scale = new Float32Array(n);
  const zero_point = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = f(f(max_val[i] - min_val[i]) / (quant_max - quant_min));
    scale[i] = s > f(eps) ? s : 1;
    zero_point[i] = f(f(-min_val[i]) / scale[i]);
  }
  return { scale, zero_point };
}

/**
 * torch's check_min_max_valid: min/max must have been recorded (not ±inf) and min <= max.
 * Unlike torch (which warns and returns scale 1, zp 0), fxq throws: uncalibrated qparams are a bug.
 */
export function check_min_max_valid(min_val: ArrayLike<number>, max_val: ArrayLike<number>, where: string): void {
  if (min_val.length === 0 || (min_val[0] === Infinity && max_val[0] === -Infinity)) {
    throw new Error(
      `${where}.calculate_qparams(): the observer has seen no data yet; run forward() on calibration data first`,
    );
  }
  for (let i = 0; i < min_val.length; i++) {
    if (!(min_val[i] <= max_val[i])) {
      throw new Error(
        `${where}.calculate_qparams(): min_val[${i}] = ${min_val[i]} is greater than max_val[${i}] = ${max_val[i]}`,
      );
    }
  }
}

/**
 * ATen's quantize_val (non-fbgemm build): q = zp + rne(x * fround(1 / fround(scale))) in float32,
 * clamped to [qmin, qmax] (the dtype's full range for quantize_per_tensor).
 */
export function quantize_val(x: number, inv_scale: number, zero_point: number, qmin: number, qmax: number): number {
  // zero_point + Round(float) is float arithmetic in C++ (int64 + float -> float)
  const q = f(zero_point + rne(f(x * inv_scale)));
  return Math.min(Math.max(q, qmin), qmax);
}

/** float32 reciprocal of a float32-rounded scale, as `1.0f / static_cast<float>(scale)`. */
export function inv_scale_of(scale: number): number {
  return f(1 / f(scale));
}
