/**
 * Quantized GroupNorm and InstanceNorm on quint8 [N, C, *] tensors (torch.ops.quantized.group_norm /
 * instance_norm, qnormalization.cpp): float per-channel weight and bias, output requantized to its own qparams,
 * run by the backends' `qgroup_norm` kernel (torch 1.13's quantized_normalize_kernel). InstanceNorm is GroupNorm
 * with one group per channel, as torch implements it.
 */
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';
import { check_out_qparams, check_quint8, describe, make_qtensor, out_qparam } from '../qtensor.js';

/** A float per-channel vector (weight / bias) of `c` elements, or null. */
function channel_vec(t: Tensor | null | undefined, c: number, what: string, op: string): Float32Array | null {
  if (t === null || t === undefined) return null;
  if (t.is_quantized || t.dtype !== 'float32' || t.numel() !== c)
    throw new Error(`${op}: ${what} must be a float32 tensor of ${c} elements (one per channel), got ${describe(t)}`);
  return t.contiguous().data as Float32Array;
}

function normalize(
  x: Tensor,
  groups: number,
  weight: Tensor | null | undefined,
  bias: Tensor | null | undefined,
  eps: number,
  scale_arg: number | Tensor,
  zero_point_arg: number | Tensor,
  op: string,
): Tensor {
  const qp = check_quint8(x, op);
  if (x.ndim < 3) throw new Error(`${op}: expected an input [N, C, *] of at least 3 dims, got [${x.shape.join(', ')}]`);
  const [batch, channels] = x.shape;
  if (!(Number.isInteger(groups) && groups >= 1) || channels % groups)
    throw new Error(`${op}: channels (${channels}) must be divisible by num_groups (${groups})`);
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
    throw new Error(`${op}: eps must be a finite number ≥ 0, got ${eps}`);
  const scale = out_qparam(scale_arg, 'scale', op);
  const zero_point = out_qparam(zero_point_arg, 'zero_point', op);
  check_out_qparams(scale, zero_point, op);
  const spatial = channels && batch ? x.numel() / (batch * channels) : 0;
  const p = {
    batch,
    channels,
    groups,
    spatial,
    weight: channel_vec(weight, channels, 'weight', op),
    bias: channel_vec(bias, channels, 'bias', op),
    eps,
  };
  const data = x.contiguous().data as Uint8Array;
  const out =
    spatial === 0
      ? new Uint8Array(0)
      : get_backend().int8.qgroup_norm({ data, scale: qp.scale, zero_point: qp.zero_point }, p, {
          scale,
          zero_point,
          qmin: 0,
          qmax: 255,
        });
  return make_qtensor(out, x.shape, 'quint8', scale, zero_point);
}

/** quantized.group_norm(x, num_groups, weight, bias, eps, output_scale, output_zero_point): torch's op. */
export const group_norm = define_function(
  'quantized.group_norm',
  (
    x: Tensor,
    num_groups: number,
    weight: Tensor | null,
    bias: Tensor | null,
    eps: number,
    scale: number | Tensor,
    zero_point: number | Tensor,
  ): Tensor => normalize(x, num_groups, weight, bias, eps, scale, zero_point, 'quantized.group_norm'),
);

/** quantized.instance_norm(x, weight, bias, eps, output_scale, output_zero_point): group_norm with C groups. */
export const instance_norm = define_function(
  'quantized.instance_norm',
  (
    x: Tensor,
    weight: Tensor | null,
    bias: Tensor | null,
    eps: number,
    scale: number | Tensor,
    zero_point: number | Tensor,
  ): Tensor => {
    const op = 'quantized.instance_norm';
    check_quint8(x, op);
    if (x.ndim < 3)
      throw new Error(`${op}: expected an input [N, C, *] of at least 3 dims, got [${x.shape.join(', ')}]`);
    return normalize(x, x.shape[1], weight, bias, eps, scale, zero_point, op);
  },
);
