/**
 * Float islands on quint8 tensors with known output qparams: dequantize → float32 op as PyTorch 1.13 computes
 * it on x86 → quantize_per_tensor, bit-identical to running those three steps, without the float tensor.
 * - softmax: `softmax_island` (the backend's qsoftmax kernel, row by row); `softmax` is torch.ops.quantized.softmax,
 *   the island for any output qparams but qnnpack's (2^-8, 0), where qnnpack's table softargmax runs (qsoftargmax).
 * - elementwise ops (GELU): a 256-entry table lut[q] = quantize(op(dequantize(q))) on the backend's qlut. F.gelu
 *   (exact) on a contiguous float tensor is oneDNN's eltwise_gelu_erf in PyTorch 1.13 (its own exp, a final fma;
 *   found by h-vitq against the golden's float tensors), ATen's scalar lambda for a single element.
 */
import { aten_gelu_scalar_f32 } from '../../backends/js/fp32/aten_vec_math.js';
import { onednn_gelu_erf_f32 } from '../../backends/js/fp32/pytorch_x86_zen5.js';
import { qnnpack_softargmax_table } from '../../backends/js/int8/softargmax.js';
import { softmax_int_params } from '../../backends/js/int8/softmax_int.js';
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  check_out_qparams,
  check_quint8,
  describe,
  make_qtensor,
  out_qparam,
  type QParams,
  qoutput,
  quantize_value,
} from '../qtensor.js';

const fround = Math.fround;

/** lut[q] = quantize_val(fn(f32((q − in.zero_point) · in.scale))) at `out`: an elementwise float island as a table. */
export function float_island_lut(inp: QParams, out: QParams, fn: (x: number) => number): Uint8Array {
  const lut = new Uint8Array(256);
  const s = fround(inp.scale);
  const inv = fround(1 / fround(out.scale));
  for (let q = 0; q < 256; q++)
    lut[q] = quantize_value(fn(fround((q - inp.zero_point) * s)), inv, out.zero_point, 0, 255);
  return lut;
}

/** An elementwise island's checked arguments: the quint8 input's qparams and the output's. */
function island_qparams(x: Tensor, scale_arg: number | Tensor, zero_point_arg: number | Tensor, op: string) {
  const scale = out_qparam(scale_arg, 'scale', op);
  const zero_point = out_qparam(zero_point_arg, 'zero_point', op);
  const qp = check_quint8(x, op, 'input');
  check_out_qparams(scale, zero_point, op);
  return { qp, scale, zero_point };
}

/**
 * dequantize → quantize_per_tensor(scale, zero_point) of a quint8 tensor as one table lookup per byte: what a
 * float island of an op that only moves values (x[…], flatten) computes, bit for bit.
 */
export const requantize = define_function(
  'quantized.requantize',
  (x: Tensor, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
    const { qp, scale, zero_point } = island_qparams(x, scale_arg, zero_point_arg, 'quantized.requantize');
    const data = x.data as Uint8Array;
    const same = Math.fround(qp.scale) === Math.fround(scale) && qp.zero_point === zero_point;
    const out = same
      ? data.slice()
      : get_backend().int8.qlut(
          data,
          float_island_lut(qp, { scale, zero_point }, (v) => v),
        );
    return make_qtensor(out, x.shape, 'quint8', scale, zero_point);
  },
);

/**
 * The GELU island's table: dequantize → F.gelu (approximate='none') as PyTorch 1.13 runs it on a contiguous
 * float tensor of more than one element (oneDNN's eltwise_gelu_erf, fp32/pytorch_x86_zen5.ts) → quantize;
 * `scalar`: ATen's scalar lambda, what a one-element tensor takes.
 */
export function gelu_lut(inp: QParams, out: QParams, scalar = false): Uint8Array {
  return float_island_lut(inp, out, scalar ? aten_gelu_scalar_f32 : onednn_gelu_erf_f32);
}

/** dequantize → F.gelu (approximate='none', PyTorch's float32) → quantize_per_tensor(scale, zero_point), through a table. */
export const gelu_island = define_function(
  'quantized.gelu_island',
  (x: Tensor, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
    const { qp, scale, zero_point } = island_qparams(x, scale_arg, zero_point_arg, 'quantized.gelu_island');
    const lut = gelu_lut(qp, { scale, zero_point }, x.numel() <= 1);
    return make_qtensor(get_backend().int8.qlut(x.data as Uint8Array, lut), x.shape, 'quint8', scale, zero_point);
  },
);

/** rows × n of a softmax over `dim` (the last dim only), or an error naming the op. */
function softmax_rows(x: Tensor, dim: number, op: string): [number, number] {
  const nd = Math.max(x.ndim, 1);
  const d = dim < 0 ? dim + nd : dim;
  if (!Number.isInteger(d) || d < 0 || d >= nd) throw new Error(`${op}: dim ${dim} is out of range for ${describe(x)}`);
  if (d !== nd - 1)
    throw new Error(
      `${op}: only the last dim is supported (dim ${dim} of ${describe(x)}); ATen's other-dim order is not modeled`,
    );
  const n = x.ndim === 0 ? 1 : x.shape[nd - 1];
  return [n === 0 ? 0 : x.numel() / n, Math.max(n, 1)];
}

function island_softmax(x: Tensor, dim: number, scale: number, zero_point: number, op: string): Tensor {
  const qp = check_quint8(x, op, 'input');
  check_out_qparams(scale, zero_point, op);
  const [rows, n] = softmax_rows(x, dim, op);
  const input = { data: x.data as Uint8Array, scale: qp.scale, zero_point: qp.zero_point };
  const out = get_backend().int8.qsoftmax(input, rows, n, qoutput(scale, zero_point, false));
  return make_qtensor(out, x.shape, 'quint8', scale, zero_point);
}

/**
 * The softmax float island: dequantize → torch.softmax(x, dim) (ATen's float32 order) → quantize_per_tensor(scale,
 * zero_point), whatever the output qparams — what a converted graph's dequantize / softmax / quantize computes.
 */
export const softmax_island = define_function(
  'quantized.softmax_island',
  (x: Tensor, dim: number, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
    const op = 'quantized.softmax_island';
    return island_softmax(x, dim, out_qparam(scale_arg, 'scale', op), out_qparam(zero_point_arg, 'zero_point', op), op);
  },
);

/** qnnpack's softmax output qparams (torch's qnnpack_softmax_output_scale / _zero_point). */
export const QNNPACK_SOFTMAX_QPARAMS: QParams = { scale: 2 ** -8, zero_point: 0 };

/**
 * torch.ops.quantized.softmax(x, dim, output_scale, output_zero_point) as PyTorch 1.13 runs it with the qnnpack
 * engine: qnnpack's table softargmax when the output qparams are exactly (2^-8, 0), else the float island
 * (dequantize → softmax → quantize). Last dim only.
 */
export const softmax = define_function(
  'quantized.softmax',
  (x: Tensor, dim: number, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
    const op = 'quantized.softmax';
    const scale = out_qparam(scale_arg, 'scale', op);
    const zero_point = out_qparam(zero_point_arg, 'zero_point', op);
    if (scale !== QNNPACK_SOFTMAX_QPARAMS.scale || zero_point !== QNNPACK_SOFTMAX_QPARAMS.zero_point)
      return island_softmax(x, dim, scale, zero_point, op);
    const qp = check_quint8(x, op, 'input');
    const [rows, n] = softmax_rows(x, dim, op);
    const table = qnnpack_softargmax_table(n, qp.scale);
    const out = get_backend().int8.qsoftargmax(x.data as Uint8Array, rows, n, table);
    return make_qtensor(out, x.shape, 'quint8', scale, zero_point);
  },
);

/**
 * The opt-in int8-attention softmax (beyond PyTorch, for the "beyond" config): the same quint8 in / out contract
 * as quantized.softmax_island, computed in integers (exp table over the 256 byte distances to the row maximum, int32
 * sums, a reciprocal per row; backends/types.ts QSoftmaxIntParams). Last dim only.
 */
export const softmax_int = define_function(
  'quantized.softmax_int',
  (x: Tensor, dim: number, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
    const op = 'quantized.softmax_int';
    const scale = out_qparam(scale_arg, 'scale', op);
    const zero_point = out_qparam(zero_point_arg, 'zero_point', op);
    const qp = check_quint8(x, op, 'input');
    check_out_qparams(scale, zero_point, op);
    const [rows, n] = softmax_rows(x, dim, op);
    const p = softmax_int_params(qp.scale, scale, zero_point);
    const out = get_backend().int8.qsoftmax_int(x.data as Uint8Array, rows, n, p);
    return make_qtensor(out, x.shape, 'quint8', scale, zero_point);
  },
);
