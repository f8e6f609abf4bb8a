/**
 * Graphviz renderings of a graph: DOT text (sync) and SVG (async: the Graphviz wasm module has
 * to start). Labels are escaped for DOT's quoted strings, so names cannot break the file.
 */
import type { Graph } from '../ir/graph.js';
import { format_arg } from '../ir/node.js';

const OP_STYLE: Record<string, string> = {
  placeholder: 'shape=ellipse, fillcolor="#d9ead3"',
  get_attr: 'shape=box, fillcolor="#fff2cc"',
  call_module: 'shape=box, fillcolor="#cfe2f3"',
  call_function: 'shape=box, fillcolor="#ead1dc"',
  call_method: 'shape=box, fillcolor="#f4cccc"',
  output: 'shape=ellipse, fillcolor="#d9d2e9"',
};

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** DOT text: one box per node (name, op, target, constant args, shape when known), edges along data flow. */
export function to_dot(graph: Graph, name = 'GraphModule'): string {
  const lines = [`digraph ${q(name)} {`, '  rankdir=TB;', '  node [style=filled, fontname="Helvetica", fontsize=10];'];
  for (const n of graph.nodes) {
    const consts = n.args.filter((a) => a !== null && typeof a !== 'object').map(format_arg);
    const shape = Array.isArray(n.meta.shape)
      ? `\n[${(n.meta.shape as number[]).join(', ')}] ${String(n.meta.dtype ?? '')}`
      : '';
    const label = `${n.name}\n${n.op}: ${n.target}${consts.length ? `\n(${consts.join(', ')})` : ''}${shape}`;
    lines.push(`  ${q(n.name)} [label=${q(label)}, ${OP_STYLE[n.op] ?? ''}];`);
  }
  for (const n of graph.nodes) for (const input of n.all_input_nodes) lines.push(`  ${q(input.name)} -> ${q(n.name)};`);
  lines.push('}');
  return lines.join('\n');
}

/** SVG of the graph, laid out by Graphviz (wasm); async because the wasm module loads once. */
export async function to_svg(graph: Graph, name = 'GraphModule'): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const gv = await Graphviz.load();
  return gv.dot(to_dot(graph, name));
}
