/** graph.print_tabular(): one row per node with opcode, name, target, args and kwargs (as torch.fx, via tabulate). */
import type { Graph } from '../ir/graph.js';
import { format_arg } from '../ir/node.js';

/** The table as text: a header, a rule and one aligned row per node. */
export function tabular(graph: Graph): string {
  const rows = graph.nodes.map((n) => [
    n.op,
    n.name,
    n.target,
    `(${n.args.map(format_arg).join(', ')})`,
    `{${Object.entries(n.kwargs)
      .map(([k, v]) => `${k}: ${format_arg(v)}`)
      .join(', ')}}`,
  ]);
  const header = ['opcode', 'name', 'target', 'args', 'kwargs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
