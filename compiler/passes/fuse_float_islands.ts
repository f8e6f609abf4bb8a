/**
 * Contract: fuse_float_islands(gm) — on a converted int8 graph, replaces each float island of a softmax over the
 * last dim or of an exact GELU module with its int8 kernel:
 *
 *   before:  d = x.dequantize();  s = softmax(d, -1);  q = quantize_per_tensor(s, scale, zero_point, quint8)
 *   after:   q' = quantized.softmax_island(x, -1, scale, zero_point)
 *   before:  d = x.dequantize();  g = this.act(d)  [nn.GELU, approximate 'none'];  q = quantize_per_tensor(g, …)
 *   after:   q' = quantized.gelu_island(x, scale, zero_point)
 *
 *   before:  d = x.dequantize();  v = d.index(…) or d.flatten(…);  q = quantize_per_tensor(v, scale, zero_point, quint8)
 *   after:   q' = quantized.requantize(x.index(…), scale, zero_point)   (d goes when its last island does)
 *
 * when the float op has no other user (and d none, for softmax / GELU). The kernels compute PyTorch 1.13's float32 order (ATen's softmax,
 * oneDNN's GELU: runtime/quantized/functional/float_islands.ts), so the fused graph equals the unfused one run
 * under set_fp32_numerics('pytorch_x86_zen5') bit for bit — and PyTorch — whatever the fp32 numerics mode; under
 * 'fast' numerics the unfused float ops round differently. No float tensor, one pass over the bytes instead of
 * three. Mutates gm and recompiles it; returns the names of the replaced quantize nodes.
 */
import type { Module } from '../../runtime/nn/module.js';
import type { GraphModule } from '../ir/graph_module.js';
import type { Argument, Node } from '../ir/node.js';

function is_node(a: Argument | undefined): a is Node {
  return typeof a === 'object' && a !== null && 'graph' in a;
}

/** The island's int8 function and its leading arguments (after the quantized input), or null. */
function island_of(gm: GraphModule, op: Node): { target: string; extra: Argument[] } | null {
  if (op.op === 'call_function' && (op.target === 'softmax' || op.target === 'F.softmax')) {
    const dim = op.args[1] ?? op.kwargs.dim;
    const keys = Object.keys(op.kwargs).filter((k) => k !== 'dim');
    if (dim !== -1 || op.args.length > 2 || keys.length > 0) return null;
    return { target: 'quantized.softmax_island', extra: [-1] };
  }
  if (op.op === 'call_module' && op.args.length === 1 && Object.keys(op.kwargs).length === 0) {
    const m: Module = gm.get_submodule(op.target);
    const approximate = (m as unknown as { approximate?: string }).approximate;
    if (m.constructor.name === 'GELU' && approximate === 'none') return { target: 'quantized.gelu_island', extra: [] };
  }
  return null;
}

/** Tensor methods that only move values: on the quantized tensor they move its bytes, keeping its qparams. */
const VALUE_METHODS = new Set(['index', 'flatten']);

/** Fuses every island matching the contract above; returns the replaced quantize nodes' names. */
export function fuse_float_islands(gm: GraphModule): string[] {
  const graph = gm.graph;
  const fused: string[] = [];
  for (const q of [...graph.nodes]) {
    if (q.op !== 'call_function' || q.target !== 'quantize_per_tensor' || q.args.length !== 4) continue;
    if (q.args[3] !== 'quint8' || Object.keys(q.kwargs).length > 0) continue;
    const op = q.args[0];
    if (!is_node(op) || op.users.size !== 1) continue;
    const d = op.args[0];
    if (!is_node(d) || d.op !== 'call_method' || d.target !== 'dequantize') continue;
    const x = d.args[0];
    if (!is_node(x)) continue;
    if (op.op === 'call_method' && VALUE_METHODS.has(op.target) && Object.keys(op.kwargs).length === 0) {
      // an island of an op that only moves values: the op on the int8 tensor, then one table per byte
      const moved = graph.inserting_before(q, () => graph.call_method(op.target, [x, ...op.args.slice(1)]));
      const fused_node = graph.inserting_before(q, () =>
        graph.call_function('quantized.requantize', [moved, q.args[1] ?? null, q.args[2] ?? null]),
      );
      q.replace_all_uses_with(fused_node);
      graph.erase_node(q);
      graph.erase_node(op);
      if (d.users.size === 0) graph.erase_node(d);
      fused.push(q.name);
      continue;
    }
    const island = island_of(gm, op);
    if (d.users.size !== 1 || !island) continue;
    const fused_node = graph.inserting_before(q, () =>
      graph.call_function(island.target, [x, ...island.extra, q.args[1] ?? null, q.args[2] ?? null]),
    );
    q.replace_all_uses_with(fused_node);
    graph.erase_node(q);
    graph.erase_node(op);
    graph.erase_node(d);
    fused.push(q.name);
  }
  if (fused.length > 0) {
    graph.lint(gm);
    gm.recompile();
  }
  return fused;
}
