/**
 * Quantized elementwise ops: add / add_relu (qnnpack's fixed-point q8vadd for same-shape inputs,
 * torch's float path qadd_kernel otherwise, broadcasting), mul / mul_relu (torch's integer product, float requantization) and cat.
 */

import { qadd_float_params, torch_add_loop } from '../../backends/js/int8/add_float.js';
import { qnnpack_add_params } from '../../backends/js/int8/pool_add.js';
import { get_backend } from '../../backends/registry.js';
import { broadcast_shapes } from '../../tensor/broadcast.js';
import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import { check_out_qparams, check_quint8, describe, make_qtensor, out_qparam, quantize_value } from '../qtensor.js';
import { expand_u8 } from './expand.js';

const fround = Math.fround;

function same_shape(a: Tensor, b: Tensor): boolean {
  return a.ndim === b.ndim && a.shape.every((d, i) => d === b.shape[i]);
}

function is_full(t: Tensor, shape: readonly number[]): boolean {
  return t.ndim === shape.length && t.shape.every((d, i) => d === shape[i]);
}

/** Whether t broadcast to `shape` is its own data repeated: leading 1s, then exactly shape's trailing dims. */
function is_trailing_block(t: Tensor, shape: readonly number[]): boolean {
  const pad = shape.length - t.ndim;
  let i = 0;
  while (i < t.ndim && t.shape[i] === 1) i++;
  for (; i < t.ndim; i++) if (t.shape[i] !== shape[pad + i]) return false;
  return true;
}

function add_impl(op: string, relu: boolean) {
  return (a: Tensor, b: Tensor, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
    const scale = out_qparam(scale_arg, 'scale', op);
    const zero_point = out_qparam(zero_point_arg, 'zero_point', op);
    const pa = check_quint8(a, op, 'a');
    const pb = check_quint8(b, op, 'b');
    check_out_qparams(scale, zero_point, op);
    const x = a.data as Uint8Array;
    const y = b.data as Uint8Array;
    const p = same_shape(a, b)
      ? qnnpack_add_params(pa.scale, pa.zero_point, pb.scale, pb.zero_point, scale, zero_point, relu)
      : null;
    if (p) {
      // qnnpack's fixed-point path, on the current backend's kernel
      const out = get_backend().int8.qadd(x, y, p);
      return make_qtensor(out, a.shape, 'quint8', scale, zero_point);
    }
    // torch's generic kernel (qadd_kernel): dequantize both, add in float32, quantize_val; on the backend's
    // qadd_float, with the operand that repeats (pos_embed [1, T, D] against [B, T, D]) passed once
    const shape = broadcast_shapes(a.shape, b.shape, op);
    const [big, small, pbig, psmall] = is_full(b, shape) && !is_full(a, shape) ? [b, a, pb, pa] : [a, b, pa, pb];
    const big_data = expand_u8(big.data as Uint8Array, big.shape, shape, op);
    const small_data = is_trailing_block(small, shape)
      ? (small.data as Uint8Array)
      : expand_u8(small.data as Uint8Array, small.shape, shape, op);
    const loop = torch_add_loop(a.shape, b.shape, shape);
    const fp = qadd_float_params(
      pbig.scale,
      pbig.zero_point,
      psmall.scale,
      psmall.zero_point,
      scale,
      zero_point,
      relu,
      loop,
    );
    const out = get_backend().int8.qadd_float(big_data, small_data, fp);
    return make_qtensor(out, shape, 'quint8', scale, zero_point);
  };
}

/** torch.ops.quantized.add(a, b, scale, zero_point): quint8 + quint8 → quint8 at (scale, zero_point). */
export const add = define_function('quantized.add', add_impl('quantized.add', false));
/** torch.ops.quantized.add_relu: add with the output clamped at its zero point. */
export const add_relu = define_function('quantized.add_relu', add_impl('quantized.add_relu', true));

function mul_impl(op: string, relu: boolean) {
  return (a: Tensor, b: Tensor, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
    const scale = out_qparam(scale_arg, 'scale', op);
    const zero_point = out_qparam(zero_point_arg, 'zero_point', op);
    const pa = check_quint8(a, op, 'a');
    const pb = check_quint8(b, op, 'b');
    check_out_qparams(scale, zero_point, op);
    const shape = broadcast_shapes(a.shape, b.shape, op);
    // torch's qmul: integer product of the zero-point-shifted values, requantized by a float32 multiplier; a
    // broadcast operand is first expanded to the output shape (a copy), so the backend kernel sees equal lengths
    const mult = fround((fround(pa.scale) * fround(pb.scale)) / fround(scale));
    const x = expand_u8(a.data as Uint8Array, a.shape, shape, op);
    const y = expand_u8(b.data as Uint8Array, b.shape, shape, op);
    const p = {
      a_zero_point: pa.zero_point,
      b_zero_point: pb.zero_point,
      mult,
      zero_point,
      qmin: relu ? zero_point : 0,
      qmax: 255,
    };
    return make_qtensor(get_backend().int8.qmul(x, y, p), shape, 'quint8', scale, zero_point);
  };
}

/** torch.ops.quantized.mul(a, b, scale, zero_point). */
export const mul = define_function('quantized.mul', mul_impl('quantized.mul', false));
/** torch.ops.quantized.mul_relu. */
export const mul_relu = define_function('quantized.mul_relu', mul_impl('quantized.mul_relu', true));

/**
 * torch.ops.quantized.cat(tensors, dim, scale, zero_point): every input is dequantized and requantized
 * to the output qparams (an identity when they already match), then concatenated along `dim`.
 */
export const cat = define_function(
  'quantized.cat',
  (tensors: Tensor[], dim: number, scale_arg?: number | Tensor, zero_point_arg?: number | Tensor): Tensor => {
    const op = 'quantized.cat';
    if (!Array.isArray(tensors) || tensors.length === 0)
      throw new Error(`${op}: expected a non-empty list of quantized tensors`);
    // no output qparams: the first input's, as torch.cat on quantized tensors
    const first_qp =
      scale_arg === undefined || zero_point_arg === undefined ? check_quint8(tensors[0], op, 'tensors[0]') : null;
    const scale = first_qp ? first_qp.scale : out_qparam(scale_arg as number | Tensor, 'scale', op);
    const zero_point = first_qp ? first_qp.zero_point : out_qparam(zero_point_arg as number | Tensor, 'zero_point', op);
    check_out_qparams(scale, zero_point, op);
    const qps = tensors.map((t, i) => check_quint8(t, op, `tensors[${i}]`));
    const first = tensors[0];
    const nd = first.ndim;
    const d = dim < 0 ? dim + nd : dim;
    if (!Number.isInteger(d) || d < 0 || d >= nd)
      throw new Error(`${op}: dim ${dim} is out of range for ${nd}-d tensors`);
    tensors.forEach((t, i) => {
      if (t.ndim !== nd || t.shape.some((s, j) => j !== d && s !== first.shape[j])) {
        throw new Error(
          `${op}: tensors[${i}] ${describe(t)} does not match tensors[0] ${describe(first)} outside dim ${d}`,
        );
      }
    });
    const outer = first.shape.slice(0, d).reduce((s, v) => s * v, 1);
    const inner = first.shape.slice(d + 1).reduce((s, v) => s * v, 1);
    const total = tensors.reduce((s, t) => s + t.shape[d], 0);
    // an input at other qparams is requantized (dequantize, quantize_val) through a 256-entry table
    const inv = fround(1 / fround(scale));
    const parts = tensors.map((t, i) => {
      const { scale: s, zero_point: z } = qps[i];
      const fs = fround(s);
      let lut: Uint8Array | null = null;
      if (fs !== fround(scale) || z !== zero_point) {
        lut = new Uint8Array(256);
        for (let q = 0; q < 256; q++) lut[q] = quantize_value(fround((q - z) * fs), inv, zero_point, 0, 255);
      }
      return { data: t.data as Uint8Array, len: t.shape[d] * inner, lut };
    });
    const out = get_backend().int8.qcat(parts, outer);
    const shape = [...first.shape];
    shape[d] = total;
    return make_qtensor(out, shape, 'quint8', scale, zero_point);
  },
);
