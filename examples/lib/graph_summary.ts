/**
 * A one-line reading of a converted graph for the demo's output: the computing nodes in order, each
 * with what it runs (module class or function), e.g. `quantize_per_tensor → conv1 (ConvReLU2d) → …`.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';

/** The nodes that compute (no placeholder / get_attr / output), as `name (what)` joined by arrows. */
export function graph_summary(gm: GraphModule): string {
  const parts: string[] = [];
  for (const n of gm.graph.nodes) {
    if (n.op === 'placeholder' || n.op === 'get_attr' || n.op === 'output') continue;
    const what = n.op === 'call_module' ? gm.get_submodule(n.target).constructor.name : n.target;
    parts.push(what === n.name ? n.name : `${n.name} (${what})`);
  }
  return parts.join(' → ');
}

/** The class names of the int8 modules in a converted model, with their module paths. */
export function quantized_modules(gm: GraphModule): [string, string][] {
  return gm.graph.nodes
    .filter((n) => n.op === 'call_module')
    .map((n) => [n.target, gm.get_submodule(n.target).constructor.name] as [string, string]);
}
