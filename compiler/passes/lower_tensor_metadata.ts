/**
 * Contract: lower_tensor_metadata(gm) — a shape read (`getattr(x, 'shape')`, `x.size()`, `x.dim()`) of a
 * dequantized value reads the quantized value instead (torch 1.13's _lower_getattr_tensor_metadta_op and
 * _lower_get_tensor_info_op); the dequantize, when nothing else reads it, is left for dead-code elimination.
 * Mutates gm; returns the number of reads rerouted.
 *
 *   before:  dequantize_7 = add_9.dequantize();  getattr_2 = dequantize_7.shape
 *   after:   getattr_2 = add_9.shape
 */
import type { GraphModule } from '../ir/graph_module.js';
import type { Node } from '../ir/node.js';

const is_metadata_read = (n: Node): boolean =>
  (n.op === 'call_function' && n.target === 'getattr' && (n.args[1] === 'shape' || n.args[1] === 'ndim')) ||
  (n.op === 'call_method' && (n.target === 'size' || n.target === 'dim'));

/** Reroutes metadata reads past dequantize (see the header). */
export function lower_tensor_metadata(gm: GraphModule): number {
  let n = 0;
  for (const node of gm.graph.nodes) {
    if (!is_metadata_read(node)) continue;
    const dq = node.args[0] as Node | undefined;
    if (dq?.op !== 'call_method' || dq.target !== 'dequantize') continue;
    node.args = [dq.args[0], ...node.args.slice(1)];
    n++;
  }
  return n;
}
