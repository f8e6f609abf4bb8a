/**
 * Contract: cat_shared_qparams(gm) — the fxq backend config's change `cat_shared_qparams`, on the reference
 * graph (after convert_observers, before lower_to_int8). For each quantized cat, an input that comes from a
 * requantizing op (own output observer: conv, linear, add, hardswish …) through ops that keep their input's
 * qparams (relu6, pools, flatten, dropout …), every node on the way having one user, gets the cat's output
 * qparams on every quantize of that path: the producer requantizes straight into them (one rounding, at the
 * finer grid of the cat's observer) and the cat requantizes nothing. torch 1.13 (the parity config) rounds
 * twice there: to the producer's own qparams, then into the cat's. Mutates the quantize nodes' qparam
 * buffers and meta.qparams; returns the names of the retargeted quantize nodes.
 *
 *   before:  q1 = quantize_per_tensor(conv, conv_scale_0 = 0.047, …);  relu6 = relu6(q1.dequantize())
 *            q2 = quantize_per_tensor(relu6, mix_scale_0 = 0.023, …);  cat = cat([…, q2.dequantize()])
 *   after:   the same nodes, conv_scale_0 = 0.023 (and its zero point): the cat's qparams along the path
 */

import { Tensor } from '../../runtime/tensor/tensor.js';
import type { GraphModule } from '../ir/graph_module.js';
import type { Node } from '../ir/node.js';
import type { NodeQParams } from './convert_observers.js';
import type { QuantMeta } from './insert_observers.js';

const is_node = (a: unknown): a is Node => typeof a === 'object' && a !== null && 'graph' in a && 'users' in a;
const is_quantize = (n: unknown): n is Node =>
  is_node(n) && n.op === 'call_function' && n.target === 'quantize_per_tensor';
const is_dequantize = (n: unknown): n is Node => is_node(n) && n.op === 'call_method' && n.target === 'dequantize';
const only_user = (n: Node, u: Node): boolean => n.users.size === 1 && n.users.has(u);

/** The pattern meta of `v`: its own, or (v the clamp / relu of a fused pattern) its op node's. */
function pattern_of(v: Node): QuantMeta | null {
  const own = v.meta.quant as QuantMeta | undefined;
  if (own) return own;
  const src = v.args[0];
  const m = is_node(src) ? (src.meta.quant as QuantMeta | undefined) : undefined;
  return m && m.last === v ? m : null;
}

/** The quantize nodes from the cat input `dq` back to a requantizing producer, or null when the path does not qualify. */
function path_quantizes(dq: Node, cat: Node): Node[] | null {
  const qs: Node[] = [];
  let user = cat;
  let d = dq;
  for (;;) {
    const q = d.args[0];
    if (!only_user(d, user) || !is_quantize(q) || !only_user(q, d)) return null;
    qs.push(q);
    const v = q.args[0];
    if (!is_node(v) || !only_user(v, q)) return null;
    const p = pattern_of(v);
    if (!p) return null;
    if (p.row.observation === 'different') return p.row.lowering.kind === 'own_qparams' ? null : qs;
    if (p.row.observation !== 'share' || p.row.inputs !== 'first' || p.last !== v) return null;
    // a one-input op that keeps its input's qparams: continue from its (dequantized) input
    const prev = v.args[0];
    if (!is_dequantize(prev)) return null;
    user = v;
    d = prev;
  }
}

function set_qparams(gm: GraphModule, q: Node, qp: NodeQParams): void {
  const [s, z] = [q.args[1], q.args[2]];
  if (!is_node(s) || !is_node(z) || s.op !== 'get_attr' || z.op !== 'get_attr') return;
  gm.register_buffer(s.target, new Tensor(Float32Array.of(qp.scale), [], 'float32'));
  gm.register_buffer(z.target, new Tensor(Float64Array.of(qp.zero_point), [], 'int64'));
  q.meta.qparams = { ...qp };
}

/** Retargets the qualifying cat input paths (see the header); returns the retargeted quantize nodes' names. */
export function cat_shared_qparams(gm: GraphModule): string[] {
  const done: string[] = [];
  for (const cat of gm.graph.nodes) {
    const meta = cat.meta.quant as QuantMeta | undefined;
    if (meta?.row.inputs !== 'list' || meta.row.observation !== 'share' || meta.last !== cat) continue;
    const [out] = cat.users;
    if (cat.users.size !== 1 || !is_quantize(out)) continue;
    const target = out.meta.qparams as NodeQParams;
    const list = cat.args[0];
    if (!Array.isArray(list)) continue;
    for (const dq of list) {
      if (!is_dequantize(dq)) continue;
      for (const q of path_quantizes(dq, cat) ?? []) {
        const qp = q.meta.qparams as NodeQParams;
        if (
          qp.dtype !== target.dtype ||
          (Math.fround(qp.scale) === Math.fround(target.scale) && qp.zero_point === target.zero_point)
        )
          continue;
        set_qparams(gm, q, target);
        done.push(q.name);
      }
    }
  }
  return done;
}
