/**
 * Contract: fold_clamps(gm) — on a converted int8 graph, folds a clamp that keeps its input's qparams
 * (quantized.relu, quantized.relu6, quantized.hardtanh, nn.quantized.ReLU6) into the int8 conv / linear
 * module producing that input when the clamp is the producer's only user: the clamp's integer bounds become the
 * module's output clamp (`out_clamp`), intersected with what it already clamps to, and the clamp node goes.
 * Bit-identical: requantization rounds then clamps to [qmin, qmax]; clamping again to [lo, hi] is one clamp to
 * [max(qmin, lo), min(qmax, hi)]. Saves one pass over the activation per folded clamp (MobileNet: every ReLU6).
 * Mutates gm and recompiles it; returns the names of the folded clamp nodes.
 *
 *   before:  stem_0 = this.stem[0].forward(q);  stem_act = quantized.relu6(stem_0)
 *   after:   stem_0 = this.stem[0].forward(q)   // this.stem[0].out_clamp = [zero_point, quantize(6)]
 */

import type { Module } from '../../runtime/nn/module.js';
import { hardtanh_bounds } from '../../runtime/quantized/functional/activations.js';
import { ReLU6 as QReLU6 } from '../../runtime/quantized/modules/activation.js';
import { Conv2d as QConv2d, ConvReLU2d as QConvReLU2d } from '../../runtime/quantized/modules/conv.js';
import { Linear as QLinear, LinearReLU as QLinearReLU } from '../../runtime/quantized/modules/linear.js';
import type { GraphModule } from '../ir/graph_module.js';
import type { Node } from '../ir/node.js';

type Clamped = QConv2d | QLinear;

/** The int8 conv / linear a call_module node runs (exact classes: the dynamic Linear does not requantize). */
function producer(gm: GraphModule, n: Node): Clamped | null {
  if (n.op !== 'call_module') return null;
  const m: Module = gm.get_submodule(n.target);
  const c = m.constructor;
  return c === QConv2d || c === QConvReLU2d || c === QLinear || c === QLinearReLU ? (m as Clamped) : null;
}

/** [lo, hi] of a clamp node at its input's qparams (scale, zero_point), or null when `n` is no clamp. */
function clamp_bounds(gm: GraphModule, n: Node, scale: number, zero_point: number): [number, number] | null {
  const qp = { scale: Math.fround(scale), zero_point };
  const relu6: [number, number] = [zero_point, hardtanh_bounds(qp, 0, 6)[1]];
  if (n.op === 'call_module') return gm.get_submodule(n.target) instanceof QReLU6 ? relu6 : null;
  if (n.op !== 'call_function' || Object.keys(n.kwargs).length > 0) return null;
  if (n.target === 'quantized.relu' && n.args.length === 1) return [zero_point, 255];
  if (n.target === 'quantized.relu6' && n.args.length === 1) return relu6;
  if (n.target === 'quantized.hardtanh') {
    const [lo, hi] = [n.args[1] ?? -1, n.args[2] ?? 1];
    if (typeof lo !== 'number' || typeof hi !== 'number' || !(hi > lo) || n.args.length > 3) return null;
    return hardtanh_bounds(qp, lo, hi);
  }
  return null;
}

/** Folds every foldable clamp (see the contract above); returns the folded nodes' names. */
export function fold_clamps(gm: GraphModule): string[] {
  const folded: string[] = [];
  for (const n of [...gm.graph.nodes]) {
    const src = n.args[0];
    if (typeof src !== 'object' || src === null || !('graph' in src)) continue;
    const p = src as Node;
    const mod = producer(gm, p);
    if (!mod || p.users.size !== 1) continue;
    const b = clamp_bounds(gm, n, mod.scale, mod.zero_point);
    if (!b) continue;
    const prev = mod.out_clamp ?? [0, 255];
    const relu_lo = mod instanceof QConvReLU2d || mod instanceof QLinearReLU ? mod.zero_point : 0;
    const lo = Math.max(prev[0], b[0]);
    const hi = Math.min(prev[1], b[1]);
    // disjoint ranges make the pair a constant; one clamp could not say which end wins: leave it
    if (Math.max(lo, relu_lo) > hi) continue;
    mod.out_clamp = [lo, hi];
    n.replace_all_uses_with(p);
    gm.graph.erase_node(n);
    folded.push(n.name);
  }
  if (folded.length > 0) {
    gm.graph.lint(gm);
    gm.recompile();
  }
  return folded;
}
