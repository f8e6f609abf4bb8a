/**
 * Quantized ELU and LeakyReLU on quint8 tensors, each with output qparams of its own (torch.ops.quantized.elu /
 * leaky_relu). Both are functions of the input byte alone, so each runs as a 256-entry table through the
 * backends' `qlut` kernel, bit-identical on js and wasm. The table follows torch 1.13's vectorized CPU kernels
 * (qelu_kernel, leaky_qrelu_out_kernel in QuantizedOpKernels.cpp) step by step in float32: dequantize as
 * fmadd(scale, q, −zp·scale), the op, then quantize as zp + rne(y · (1 / out_scale)), clamped to 0..255.
 * The exp is Sleef's expf_u10 emulated bit for bit (js/fp32/aten_vec_math.ts), what Vectorized<float>::exp
 * runs, so the table is torch's vectorized lane exactly (its scalar tail, < 32 elements, calls std::exp instead).
 */
import { sleef_expf_u10 } from '../../backends/js/fp32/aten_vec_math.js';
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import { check_out_qparams, check_quint8, make_qtensor, out_qparam, type QParams, quantize_value } from '../qtensor.js';

const fround = Math.fround;

/**
 * Vectorized<quint8>::dequantize: fmadd(scale, float(q), scale·(−zp)) with one rounding. scale·q needs ≤ 32 bits
 * and the premultiplied term shares its range, so the double sum is exact and fround is the fma's one rounding.
 */
export function dequantize_fma(q: number, qp: QParams): number {
  const s = fround(qp.scale);
  return fround(s * q + fround(s * -qp.zero_point));
}

/** The table y[q] = quantize(f(dequantize(q))) at the output qparams, as torch's vectorized kernels compute it. */
export function requant_table(inp: QParams, scale: number, zero_point: number, f: (x: number) => number): Uint8Array {
  const inv = fround(1 / fround(scale));
  const lut = new Uint8Array(256);
  for (let q = 0; q < 256; q++) lut[q] = quantize_value(f(dequantize_fma(q, inp)), inv, zero_point, 0, 255);
  return lut;
}

/** torch's ELU lane: x > 0 ? x : (expf(x) − 1) · alpha, each step float32 (input_scale and scale coefficients 1). */
export function elu_f32(x: number, alpha: number): number {
  if (x > 0) return x;
  return fround(fround(sleef_expf_u10(fround(x)) - 1) * fround(alpha));
}

/** torch's leaky_relu lane: x · (x > 0 ? 1 : negative_slope) in float32. */
export function leaky_relu_f32(x: number, negative_slope: number): number {
  return x > 0 ? x : fround(x * fround(negative_slope));
}

function lut_op(x: Tensor, scale: number, zero_point: number, f: (v: number) => number, op: string): Tensor {
  const qp = check_quint8(x, op);
  check_out_qparams(scale, zero_point, op);
  const out = get_backend().int8.qlut(x.data as Uint8Array, requant_table(qp, scale, zero_point, f));
  return make_qtensor(out, x.shape, 'quint8', scale, zero_point);
}

function check_finite(v: unknown, what: string, op: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${op}: ${what} must be a finite number, got ${v}`);
  return v;
}

/** quantized.<op>(x, param, output_scale, output_zero_point): `fn(v, param)` through a table, param finite. */
const one_param_lut_op = (op: string, param_name: string, fn: (v: number, param: number) => number) =>
  define_function(
    op,
    (x: Tensor, param: number, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
      const p = check_finite(param, param_name, op);
      const scale = out_qparam(scale_arg, 'scale', op);
      const zero_point = out_qparam(zero_point_arg, 'zero_point', op);
      return lut_op(x, scale, zero_point, (v) => fn(v, p), op);
    },
  );

/**
 * quantized.elu(x, alpha, output_scale, output_zero_point): torch.ops.quantized.elu with its keyword alpha first
 * (fxq's graph form puts the output qparams last, as every requantizing quantized.* op).
 */
export const elu = one_param_lut_op('quantized.elu', 'alpha', elu_f32);

/** quantized.leaky_relu(x, negative_slope, output_scale, output_zero_point): torch.ops.quantized.leaky_relu. */
export const leaky_relu = one_param_lut_op('quantized.leaky_relu', 'negative_slope', leaky_relu_f32);
