/**
 * Quantized activations on quint8 tensors. relu / relu6 clamp in the integer domain and keep the
 * input qparams; hardswish / hardsigmoid / sigmoid / tanh map through a 256-entry table built from the
 * input qparams, as qnnpack does (hardsigmoid, sigmoid and tanh output torch's fixed qparams).
 */
import { rne } from '../../backends/js/int8/numerics.js';
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import { check_out_qparams, check_quint8, make_qtensor, out_qparam, type QParams, quantize_value } from '../qtensor.js';

const fround = Math.fround;

// the integer clamp and the table lookups run on the current backend's kernels (wasm SIMD or the js reference)
function clamp_q(x: Tensor, lo: number, hi: number, qp: QParams): Tensor {
  const out = get_backend().int8.qclamp(x.data as Uint8Array, lo, hi);
  return make_qtensor(out, x.shape, 'quint8', qp.scale, qp.zero_point);
}

/** F.relu on a quantized tensor: max(q, zero_point), same qparams. */
export const relu = define_function('quantized.relu', (x: Tensor): Tensor => {
  const qp = check_quint8(x, 'quantized.relu');
  return clamp_q(x, qp.zero_point, 255, qp);
});

/** torch.ops.quantized.relu6: clamp to [zero_point, quantize(6)], same qparams. */
export const relu6 = define_function('quantized.relu6', (x: Tensor): Tensor => {
  const qp = check_quint8(x, 'quantized.relu6');
  const six = quantize_value(6, fround(1 / fround(qp.scale)), qp.zero_point, 0, 255);
  return clamp_q(x, qp.zero_point, six, qp);
});

/** The integer bounds [quantize(min_val), quantize(max_val)] of hardtanh at the qparams `qp` (torch's quantized clamp). */
export function hardtanh_bounds(qp: QParams, min_val: number, max_val: number): [number, number] {
  const inv = fround(1 / fround(qp.scale));
  return [quantize_value(min_val, inv, qp.zero_point, 0, 255), quantize_value(max_val, inv, qp.zero_point, 0, 255)];
}

/** torch.ops.quantized.hardtanh(x, min_val, max_val): clamp to [quantize(min_val), quantize(max_val)], same qparams. */
export const hardtanh = define_function('quantized.hardtanh', (x: Tensor, min_val = -1, max_val = 1): Tensor => {
  const qp = check_quint8(x, 'quantized.hardtanh');
  if (!(max_val > min_val))
    throw new Error(`quantized.hardtanh: max_val (${max_val}) must be greater than min_val (${min_val})`);
  const [lo, hi] = hardtanh_bounds(qp, min_val, max_val);
  return clamp_q(x, lo, hi, qp);
});

/** Applies a 256-entry table to every element. */
function apply_lut(x: Tensor, lut: Uint8Array, scale: number, zero_point: number): Tensor {
  const out = get_backend().int8.qlut(x.data as Uint8Array, lut);
  return make_qtensor(out, x.shape, 'quint8', scale, zero_point);
}

/**
 * Builds qnnpack's table: y[i] = rne(clamp(scaled(x, 1/out_scale), 0, 255)) for x = in_scale·(i − in_zp),
 * where `scaled` returns the output-scaled value with the zero point added, in float32.
 */
function build_lut(inp: QParams, scale: number, scaled: (x: number, inv: number) => number): Uint8Array {
  const lut = new Uint8Array(256);
  const inv = fround(1 / fround(scale));
  const s = fround(inp.scale);
  for (let i = 0; i < 256; i++) {
    const x = fround(s * (i - inp.zero_point));
    let v = scaled(x, inv);
    if (v < 0) v = 0;
    if (v > 255) v = 255;
    lut[i] = rne(v);
  }
  return lut;
}

/** relu6(x + 3) as qnnpack's C writes it (comparisons, so a NaN becomes 0), shared by hardswish and hardsigmoid. */
function relu6_of_x_plus_3(x: number): number {
  let x2 = fround(x + 3);
  // biome-ignore lint/complexity/useMathMinMax: the C ternaries, not Math.max (NaN handling)
  x2 = x2 > 0 ? x2 : 0;
  // biome-ignore lint/complexity/useMathMinMax: as above
  x2 = x2 < 6 ? x2 : 6;
  return x2;
}

function hardswish_f(x: number): number {
  return fround(fround(x * relu6_of_x_plus_3(x)) / 6);
}

/** torch.ops.quantized.hardswish(x, output_scale, output_zero_point): x·relu6(x+3)/6 through a table. */
export const hardswish = define_function(
  'quantized.hardswish',
  (x: Tensor, scale_arg: number | Tensor, zero_point_arg: number | Tensor): Tensor => {
    // numbers from eager code, the 0-d get_attr buffers from a converted FX graph
    const scale = out_qparam(scale_arg, 'scale', 'quantized.hardswish');
    const zero_point = out_qparam(zero_point_arg, 'zero_point', 'quantized.hardswish');
    const qp = check_quint8(x, 'quantized.hardswish');
    check_out_qparams(scale, zero_point, 'quantized.hardswish');
    return apply_lut(
      x,
      build_lut(qp, scale, (v, inv) => fround(fround(inv * hardswish_f(v)) + zero_point)),
      scale,
      zero_point,
    );
  },
);

function hardsigmoid_f(x: number): number {
  return fround(relu6_of_x_plus_3(x) / 6);
}

/** Output qparams torch fixes for quint8 hardsigmoid: scale 1/256, zero point 0. */
export const HARDSIGMOID_QPARAMS: QParams = { scale: 1 / 256, zero_point: 0 };

/** F.hardsigmoid on a quint8 tensor (qnnpack's table: relu6(x + 3) / 6): output scale 1/256, zero point 0. */
export const hardsigmoid = define_function('quantized.hardsigmoid', (x: Tensor): Tensor => {
  const qp = check_quint8(x, 'quantized.hardsigmoid');
  const { scale, zero_point } = HARDSIGMOID_QPARAMS;
  const lut = build_lut(qp, scale, (v, inv) => fround(fround(inv * hardsigmoid_f(v)) + zero_point));
  return apply_lut(x, lut, scale, zero_point);
});

/** Output qparams torch fixes for quint8 sigmoid: scale 1/256, zero point 0. */
export const SIGMOID_QPARAMS: QParams = { scale: 1 / 256, zero_point: 0 };
/** Output qparams torch fixes for quint8 tanh: scale 2/256, zero point 128. */
export const TANH_QPARAMS: QParams = { scale: 2 / 256, zero_point: 128 };

/** torch.sigmoid on a quint8 tensor: output scale 1/256, zero point 0. */
export const sigmoid = define_function('quantized.sigmoid', (x: Tensor): Tensor => {
  const qp = check_quint8(x, 'quantized.sigmoid');
  const { scale, zero_point } = SIGMOID_QPARAMS;
  const lut = build_lut(qp, scale, (v, inv) => fround(inv / fround(1 + fround(Math.exp(-v)))));
  return apply_lut(x, lut, scale, zero_point);
});

/** torch.tanh on a quint8 tensor: output scale 2/256, zero point 128. */
export const tanh = define_function('quantized.tanh', (x: Tensor): Tensor => {
  const qp = check_quint8(x, 'quantized.tanh');
  const { scale, zero_point } = TANH_QPARAMS;
  const lut = build_lut(qp, scale, (v, inv) => fround(fround(inv * fround(Math.tanh(v))) + zero_point));
  return apply_lut(x, lut, scale, zero_point);
});
