/**
 * What the QAT conv-bn (1-d, 2-d) and linear-bn modules share: torch's simulated BN folding in forward and
 * the fold with the running statistics at convert. One module's weight [C, …] and output [N, C, …] have the
 * same rank, so the per-channel scale reshapes follow from the weight's.
 */
import { add, div, mul } from '../../tensor/ops/binary.js';
import { sqrt } from '../../tensor/ops/unary.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { _BatchNorm } from '../layers/normalization.js';
import { Parameter } from '../parameter.js';
import { detached_copy, type WeightFakeQuant } from './_common.js';

/** The state a simulated-folding module carries. */
export interface BnFoldModule {
  training: boolean;
  freeze_bn: boolean;
  bn: _BatchNorm;
  weight: Tensor;
  bias: Tensor | null;
  weight_fake_quant: WeightFakeQuant;
}

/**
 * torch's _forward: bn(op(x, fq(w·s)) / s + b) with s = γ / sqrt(running_var + eps); `op` runs without the
 * bias (it is added after the rescale). fxq's Module.train flips every module's flag directly, so the BN's
 * mode is re-derived here from freeze_bn and m.training.
 */
export function simulated_bn_fold(m: BnFoldModule, name: string, op: (scaled_weight: Tensor) => Tensor): Tensor {
  const bn = m.bn;
  bn.training = m.training && !m.freeze_bn;
  if (bn.running_var === null || bn.weight === null)
    throw new Error(`${name}: bn needs running statistics and an affine weight`);
  const running_std = sqrt(add(bn.running_var, bn.eps));
  const scale_factor = div(bn.weight, running_std);
  const C = m.weight.shape[0];
  const ones = new Array<number>(m.weight.ndim - 1).fill(1);
  // the weight is scaled per output channel before fake-quant: its rounding is the folded weight's
  const scaled_weight = m.weight_fake_quant.forward(mul(m.weight, scale_factor.reshape(C, ...ones)));
  let out = div(op(scaled_weight), scale_factor.reshape(1, C, ...ones.slice(1)));
  if (m.bias !== null) out = add(out, m.bias.reshape(1, C, ...ones.slice(1)));
  return bn.forward(out);
}

type FuseWeights = (
  w: Tensor,
  b: Tensor | null,
  rm: Tensor,
  rv: Tensor,
  eps: number,
  bn_w: Tensor | null,
  bn_b: Tensor | null,
) => [Parameter, Parameter];

/** The weight and bias with the BN folded in from its running statistics (what the int8 module gets). */
export function folded_weight_bias(m: BnFoldModule, name: string, fuse: FuseWeights): [Tensor, Tensor | null] {
  const bn = m.bn;
  if (bn.running_mean === null || bn.running_var === null)
    throw new Error(`${name}: cannot fold a BatchNorm without running statistics`);
  return fuse(m.weight, m.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias);
}

/** The BN options a conv-bn QAT module is rebuilt with in from_float (torch rejects momentum=None). */
export function bn_options_from_float(
  bn: _BatchNorm,
  where: string,
): { eps: number; momentum: number; freeze_bn: false } {
  if (bn.momentum === null)
    throw new Error(
      `${where}.from_float: ${bn.constructor.name} with momentum=None (cumulative average) is not supported`,
    );
  return { eps: bn.eps, momentum: bn.momentum, freeze_bn: false };
}

/** A conv-bn QAT module's from_float: shares the conv's weight / bias and the BN module, takes the conv's mode, BN live. */
export function share_conv_bn<T extends BnFoldModule & { train(mode: boolean): unknown }>(
  q: T,
  conv: { weight: Parameter; bias: Parameter | null; training: boolean },
  bn: _BatchNorm,
): T {
  q.weight = conv.weight;
  q.bias = conv.bias;
  q.bn = bn;
  q.train(conv.training);
  q.freeze_bn = false;
  return q;
}

/** A conv-bn QAT module's to_float: `conv` (built with a bias) gets detached copies of the BN-folded weight and bias. */
export function set_folded_weight_bias<T extends { weight: Parameter; bias: Parameter | null; training: boolean }>(
  conv: T,
  m: { _weight_bias_for_convert(): [Tensor, Tensor | null]; training: boolean },
): T {
  const [w, b] = m._weight_bias_for_convert();
  conv.weight = new Parameter(detached_copy(w));
  conv.bias = new Parameter(detached_copy(b as Tensor));
  conv.training = m.training;
  return conv;
}

/** freeze_bn_stats (frozen: normalise with the running statistics, stop updating them) / update_bn_stats. */
export function set_bn_frozen<T extends { freeze_bn: boolean; bn: _BatchNorm }>(m: T, frozen: boolean): T {
  m.freeze_bn = frozen;
  m.bn.training = !frozen;
  return m;
}
