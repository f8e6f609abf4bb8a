/**
 * The BatchNorm after each conv / linear of a float model, read before fuse_fx folds it away: its γ and β
 * describe the pre-activation distribution N(β, γ²) per channel that high-bias absorption and analytic bias
 * correction use (Nagel et al. 2019). Keyed by the conv's module path, which fuse_fx keeps for the fused module.
 */
import { symbolic_trace } from '../../compiler/trace/symbolic_trace.js';
import { _BatchNorm } from '../../runtime/nn/layers/normalization.js';
import type { Module } from '../../runtime/nn/module.js';
import { weighted_of } from './layers.js';

/** Per-channel BN affine parameters: the pre-activation mean β and standard deviation |γ|. */
export interface BnStatistics {
  beta: Float64Array;
  gamma: Float64Array;
}

/** conv / linear path → its BatchNorm's (β, |γ|), for every conv or linear whose sole user is a BatchNorm. */
export function bn_statistics(model: Module): Map<string, BnStatistics> {
  const gm = symbolic_trace(model);
  const out = new Map<string, BnStatistics>();
  for (const node of gm.graph.nodes) {
    if (node.op !== 'call_module' || !weighted_of(gm.get_submodule(node.target))) continue;
    const users = [...node.users];
    if (users.length !== 1 || users[0].op !== 'call_module') continue;
    const bn = gm.get_submodule(users[0].target);
    if (!(bn instanceof _BatchNorm) || !bn.weight || !bn.bias) continue;
    out.set(node.target, {
      beta: Float64Array.from(bn.bias.data as Float32Array),
      gamma: Float64Array.from(bn.weight.data as Float32Array, Math.abs),
    });
  }
  return out;
}
