/**
 * Pairs the nodes of a float GraphModule (fuse_fx(model): BN folded, conv+relu fused) with the nodes of
 * its quantized GraphModule that compute the same value — the role of torch.ao.ns.fx's graph matcher,
 * specialised to what convert_fx keeps: node names (layer1_conv1, avgpool, flatten, fc …) survive
 * conversion; a fused add+relu becomes one `add_relu` node that pairs with the relu after the float add;
 * the entry quantize_per_tensor pairs with the float input and the exit dequantize with the float output.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Node } from '../../compiler/ir/node.js';
import { ReLU } from '../../runtime/nn/layers/activation.js';

/** One matched pair: `a` in the float graph, `b` in the quantized graph. */
export interface NodePair {
  /** Reference name: the module path of a call_module, else the float node's name. */
  name: string;
  a: Node;
  b: Node;
  /** What b is: a module's class name or a function's name. */
  b_type: string;
}

const GLUE = new Set(['quantize_per_tensor', 'quantize_per_channel', 'dequantize', 'fxq.quantize_per_tensor']);

function short(target: string): string {
  return target.replace(/^(quantized|fxq|F|torch)\./, '').replace(/^quantized_/, '');
}

function is_relu(gm: GraphModule, n: Node): boolean {
  if (n.op === 'call_module') return gm.get_submodule(n.target) instanceof ReLU;
  return (n.op === 'call_function' || n.op === 'call_method') && /(^|\.)relu_?$/.test(n.target);
}

function is_add(n: Node): boolean {
  return (n.op === 'call_function' || n.op === 'call_method') && /(^|\.)(add|iadd)$/.test(n.target);
}

function type_of(gm: GraphModule, n: Node): string {
  return n.op === 'call_module' ? gm.get_submodule(n.target).constructor.name : short(n.target);
}

/** The matched pairs in the quantized graph's execution order. */
export function match_nodes(float_gm: GraphModule, quant_gm: GraphModule): NodePair[] {
  const a_nodes = float_gm.graph.nodes;
  const a_by_name = new Map(a_nodes.map((n) => [n.name, n]));
  const used = new Set<Node>();
  const pairs: NodePair[] = [];
  const a_output = a_nodes.find((n) => n.op === 'output');
  const a_out_value = a_output?.args[0];
  // fused add+relu in the quantized graph ↔ the relu consuming an add in the float graph, in order
  const relu_after_add = a_nodes.filter((n) => is_relu(float_gm, n) && n.all_input_nodes.some(is_add));
  let next_add_relu = 0;
  const by_kind = new Map<string, Node[]>();
  for (const n of a_nodes) {
    if (n.op !== 'call_function' && n.op !== 'call_method') continue;
    const k = short(n.target);
    by_kind.set(k, [...(by_kind.get(k) ?? []), n]);
  }
  const push = (a: Node | undefined, b: Node): void => {
    if (!a || used.has(a)) return;
    used.add(a);
    const name = b.op === 'call_module' ? b.target : a.op === 'call_module' ? a.target : a.name;
    pairs.push({ name, a, b, b_type: type_of(quant_gm, b) });
  };
  for (const b of quant_gm.graph.nodes) {
    if (b.op === 'placeholder' || b.op === 'get_attr' || b.op === 'output') continue;
    const t = short(b.target);
    if (b.op !== 'call_module' && GLUE.has(b.target.replace(/^fxq\./, ''))) {
      const src = b.all_input_nodes[0];
      if (t.startsWith('quantize') && src?.op === 'placeholder') push(a_by_name.get(src.name), b);
      else if (t === 'dequantize' && b.users.has(quant_gm.graph.nodes.find((n) => n.op === 'output') as Node))
        push(
          typeof a_out_value === 'object' && a_out_value !== null && 'op' in a_out_value
            ? (a_out_value as Node)
            : undefined,
          b,
        );
      continue;
    }
    const same = a_by_name.get(b.name);
    if (same && !used.has(same)) {
      push(same, b);
      continue;
    }
    if (b.op === 'call_module') {
      const a = a_nodes.find((n) => n.op === 'call_module' && n.target === b.target && !used.has(n));
      if (a) push(a, b);
      continue;
    }
    if (t === 'add_relu') {
      push(relu_after_add[next_add_relu++], b);
      continue;
    }
    const cands = (by_kind.get(t) ?? []).filter((n) => !used.has(n));
    if (cands.length) push(cands[0], b);
  }
  return pairs;
}
