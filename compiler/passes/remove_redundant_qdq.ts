/**
 * Contract: remove_redundant_qdq(gm) — drops `quantize_per_tensor(y.dequantize(), s, z, dtype)` when y is
 * already quantized with exactly (s, z, dtype) (y.meta.qparams), rewiring users to y; mutates gm.
 *
 *   before:  dequantize = conv1.dequantize();  quantize_per_tensor_2 = quantize_per_tensor(dequantize, s, z, 'quint8')
 *            conv2 = conv2(quantize_per_tensor_2)
 *   after:   conv2 = conv2(conv1)          // when conv1's output qparams are (s, z)
 *
 * The dead dequantize and get_attr nodes are left for dead-code elimination.
 */
import type { GraphModule } from '../ir/graph_module.js';
import type { Node } from '../ir/node.js';
import type { NodeQParams } from './convert_observers.js';

function same(a: NodeQParams | undefined, b: NodeQParams | undefined): boolean {
  return (
    !!a && !!b && Math.fround(a.scale) === Math.fround(b.scale) && a.zero_point === b.zero_point && a.dtype === b.dtype
  );
}

/** Removes redundant dequantize → quantize pairs (see the header); returns the number removed. */
export function remove_redundant_qdq(gm: GraphModule): number {
  let removed = 0;
  for (const q of gm.graph.nodes) {
    if (q.op !== 'call_function' || q.target !== 'quantize_per_tensor') continue;
    const dq = q.args[0] as Node | undefined;
    if (dq?.op !== 'call_method' || dq.target !== 'dequantize') continue;
    const y = dq.args[0] as Node;
    if (!same(y.meta.qparams as NodeQParams | undefined, q.meta.qparams as NodeQParams | undefined)) continue;
    q.replace_all_uses_with(y);
    gm.graph.erase_node(q);
    removed++;
  }
  if (removed) gm.recompile();
  return removed;
}
