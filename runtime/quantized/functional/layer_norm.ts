/**
 * torch.ops.quantized.layer_norm(input, normalized_shape, weight, bias, eps, output_scale, output_zero_point)
 * — what nn.quantized.LayerNorm calls: quint8 in and out, float weight and bias, PyTorch 1.13's
 * quantized_normalize_kernel numerics on the backend's qlayer_norm kernel.
 */
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import { shape_numel, Tensor } from '../../tensor/tensor.js';
import {
  check_float,
  check_out_qparams,
  check_quint8,
  describe,
  make_qtensor,
  out_qparam,
  qoutput,
} from '../qtensor.js';

function affine(t: Tensor | null | undefined, n: number, what: string, op: string): Float32Array | null {
  if (t === null || t === undefined) return null;
  const data = check_float(t, op, what);
  if (data.length !== n) throw new Error(`${op}: ${what} ${describe(t)} must have normalized_shape's ${n} elements`);
  return data;
}

export const layer_norm = define_function(
  'quantized.layer_norm',
  (
    input: Tensor,
    normalized_shape: readonly number[],
    weight: Tensor | null,
    bias: Tensor | null,
    eps: number,
    scale_arg: number | Tensor,
    zero_point_arg: number | Tensor,
  ): Tensor => {
    const op = 'quantized.layer_norm';
    const scale = out_qparam(scale_arg, 'scale', op);
    const zero_point = out_qparam(zero_point_arg, 'zero_point', op);
    const qp = check_quint8(input, op, 'input');
    check_out_qparams(scale, zero_point, op);
    const ns = [...normalized_shape];
    const tail = input.shape.slice(input.ndim - ns.length);
    if (ns.length === 0 || ns.length > input.ndim || ns.some((d, i) => d !== tail[i]))
      throw new Error(`${op}: normalized_shape [${ns.join(', ')}] must be the trailing dims of ${describe(input)}`);
    if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor`);
    const n = shape_numel(ns);
    const p = {
      rows: n === 0 ? 0 : input.numel() / n,
      n,
      weight: affine(weight, n, 'weight', op),
      bias: affine(bias, n, 'bias', op),
      eps,
    };
    const x = { data: input.data as Uint8Array, scale: qp.scale, zero_point: qp.zero_point };
    const out = get_backend().int8.qlayer_norm(x, p, qoutput(scale, zero_point, false));
    return make_qtensor(out, input.shape, 'quint8', scale, zero_point);
  },
);
