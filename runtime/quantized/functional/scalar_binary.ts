/**
 * Quantized tensor ⊕ Python number: torch.ops.quantized.add_scalar / add_scalar_relu / mul_scalar /
 * mul_scalar_relu (PyTorch 1.13, aten/src/ATen/native/quantized/cpu/BinaryOps.cpp `_add_scalar_out`,
 * qmul.cpp `_mul_scalar_out`, QuantizedOpKernels.cpp `qadd_scalar_kernel`). The output qparams are the
 * op's own, derived from the input's and the scalar: no output scale / zero point is passed. quint8 and
 * qint8; the same TypeScript on every backend.
 */

import { rne } from '../../backends/js/int8/numerics.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { describe, make_qtensor, type QParams } from '../qtensor.js';

const fround = Math.fround;
const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

type Int8DType = 'quint8' | 'qint8';
const RANGE: Record<Int8DType, [number, number]> = { quint8: [0, 255], qint8: [-128, 127] };

/** The input's per-tensor qparams and dtype, or an error naming the op. */
function check_input(t: unknown, op: string): QParams & { dtype: Int8DType } {
  if (!(t instanceof Tensor)) throw new Error(`${op}: input must be a quantized Tensor, got ${describe(t)}`);
  if (!t.is_quantized)
    throw new Error(`${op}: input is a float tensor (${describe(t)}); quantize it first (quantize_per_tensor)`);
  if (t.dtype !== 'quint8' && t.dtype !== 'qint8')
    throw new Error(`${op}: input must be quint8 or qint8, got ${describe(t)}`);
  const q = t.quantizer;
  if (q?.kind !== 'per_tensor')
    throw new Error(`${op}: only per-tensor quantized inputs are supported, got ${describe(t)}`);
  return { scale: q.scale, zero_point: q.zero_point, dtype: t.dtype };
}

/** The scalar operand as a number: a number, or a one-element float tensor (torch's `.Tensor` overloads). */
function check_scalar(c: unknown, op: string): number {
  let v = c;
  if (c instanceof Tensor && !c.is_quantized && c.numel() === 1) v = Number(c.data[0]);
  if (typeof v !== 'number')
    throw new Error(`${op}: the scalar operand must be a number, got ${c instanceof Tensor ? describe(c) : typeof c}`);
  if (!Number.isFinite(v)) throw new Error(`${op}: the scalar operand must be finite, got ${v}`);
  return v;
}

/** How add_scalar maps its input: the output qparams and, when the range saturates, the requantization. */
export interface AddScalarPlan extends QParams {
  /** round(c / s): the scalar in input steps. */
  c_q: number;
  /** false: the values are copied and only the zero point moves (z' = z − c_q). */
  requantize: boolean;
}

/**
 * torch's `_add_scalar_out` qparams. With s, z the input's, c_q = nearbyint(c / s) (in double), and
 * [q_min, q_max] the dtype's range: if z − c_q < q_min, s' = (q_max − (z − c_q)) / (q_max − q_min) · s,
 * z' = q_min; if z − c_q > q_max, s' = ((z − c_q) − q_min) / (q_max − q_min) · s, z' = q_max (both
 * requantize); else s' = s, z' = z − c_q and the stored values are unchanged. s' is computed in double as
 * torch does and stored as float32 (fxq's tensors hold float32 scales; torch keeps the double).
 */
export function add_scalar_plan(
  input: QParams,
  c: number,
  dtype: Int8DType,
  op = 'quantized.add_scalar',
): AddScalarPlan {
  const [q_min, q_max] = RANGE[dtype];
  const s = input.scale;
  const c_q = rne(c / s);
  // torch hands c_q to the kernel through Scalar::to<int32_t>, which refuses values out of int32
  if (!(c_q >= I32_MIN && c_q <= I32_MAX))
    throw new Error(`${op}: the scalar ${c} is ${c_q} input steps (scale ${s}), out of int32`);
  const shifted = input.zero_point - c_q;
  if (q_min > shifted)
    return { scale: fround(((q_max - shifted) / (q_max - q_min)) * s), zero_point: q_min, c_q, requantize: true };
  if (q_max < shifted)
    return { scale: fround(((shifted - q_min) / (q_max - q_min)) * s), zero_point: q_max, c_q, requantize: true };
  return { scale: fround(s), zero_point: shifted, c_q, requantize: false };
}

/**
 * torch's `_mul_scalar_out` qparams: c > 0 → (c·s, z); c = 0 → (1, 0); c < 0 → (|c|·s, q_max − (z − q_min)).
 * The product is taken in double and stored as float32; one that is not a positive finite float32 is refused.
 */
export function mul_scalar_qparams(input: QParams, c: number, dtype: Int8DType, op = 'quantized.mul_scalar'): QParams {
  const [q_min, q_max] = RANGE[dtype];
  if (c === 0) return { scale: 1, zero_point: 0 };
  const scale = fround(Math.abs(c) * input.scale);
  if (!(scale > 0 && Number.isFinite(scale)))
    throw new Error(`${op}: output scale |${c}|·${input.scale} is not a positive finite float32`);
  return { scale, zero_point: c > 0 ? input.zero_point : q_max - (input.zero_point - q_min) };
}

function alloc(dtype: Int8DType, n: number): Uint8Array | Int8Array {
  return dtype === 'quint8' ? new Uint8Array(n) : new Int8Array(n);
}

function add_scalar_impl(op: string, relu: boolean) {
  return (qa: Tensor, other: number | Tensor): Tensor => {
    const p = check_input(qa, op);
    const c = check_scalar(other, op);
    const plan = add_scalar_plan(p, c, p.dtype, op);
    const [q_min, q_max] = RANGE[p.dtype];
    const x = qa.data as Uint8Array | Int8Array;
    const out = alloc(p.dtype, x.length);
    const zp = plan.zero_point;
    if (!plan.requantize) {
      // out.copy_(self) with the zero point moved; add_relu then clamps at the new zero point
      // (relu_quantized_cpu_)
      for (let i = 0; i < x.length; i++) out[i] = relu && x[i] < zp ? zp : x[i];
    } else {
      // qadd_scalar_kernel: requantize_from_int(fround(fround(s) · fround(1 / fround(s'))), z', x − z + c_q),
      // i.e. z' + lrintf(fround((x − z + c_q) · multiplier)) clamped to the dtype; the relu variant clamps at z'
      const mult = fround(fround(p.scale) * fround(1 / fround(plan.scale)));
      const lo = relu ? Math.max(q_min, zp) : q_min;
      const shift = plan.c_q - p.zero_point;
      for (let i = 0; i < x.length; i++) {
        const q = zp + rne(fround((x[i] + shift) * mult));
        out[i] = Math.min(Math.max(q, lo), q_max);
      }
    }
    return make_qtensor(out, [...qa.shape], p.dtype, plan.scale, zp);
  };
}

function mul_scalar_impl(op: string, relu: boolean) {
  return (qa: Tensor, other: number | Tensor): Tensor => {
    const p = check_input(qa, op);
    const c = check_scalar(other, op);
    const qp = mul_scalar_qparams(p, c, p.dtype, op);
    const [q_min, q_max] = RANGE[p.dtype];
    const x = qa.data as Uint8Array | Int8Array;
    const out = alloc(p.dtype, x.length);
    const zp = qp.zero_point;
    if (c > 0) {
      // out.copy_(self) (relu: qrelu, clamped at the zero point), scale c·s
      if (!relu) out.set(x);
      else for (let i = 0; i < x.length; i++) out[i] = x[i] < zp ? zp : x[i];
    } else if (c < 0) {
      // the value range mirrored: x' = q_max + q_min − x, zero point q_max − (z − q_min); relu clamps at it
      for (let i = 0; i < x.length; i++) {
        const v = q_max + q_min - x[i];
        out[i] = relu && v < zp ? zp : v;
      }
    } // c = 0: every value 0 at scale 1, zero point 0 (relu changes nothing)
    return make_qtensor(out, [...qa.shape], p.dtype, qp.scale, zp);
  };
}

/** torch.ops.quantized.add_scalar(qa, b): qa + b with output qparams of its own (see add_scalar_plan). */
export const add_scalar = define_function('quantized.add_scalar', add_scalar_impl('quantized.add_scalar', false));
/** torch.ops.quantized.add_scalar_relu(qa, b): relu(qa + b), clamped at the output zero point. */
export const add_scalar_relu = define_function(
  'quantized.add_scalar_relu',
  add_scalar_impl('quantized.add_scalar_relu', true),
);
/** torch.ops.quantized.mul_scalar(qa, b): qa · b, the values kept (b > 0), mirrored (b < 0) or zeroed (b = 0). */
export const mul_scalar = define_function('quantized.mul_scalar', mul_scalar_impl('quantized.mul_scalar', false));
/** torch.ops.quantized.mul_scalar_relu(qa, b): relu(qa · b), clamped at the output zero point. */
export const mul_scalar_relu = define_function(
  'quantized.mul_scalar_relu',
  mul_scalar_impl('quantized.mul_scalar_relu', true),
);
