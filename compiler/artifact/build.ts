/**
 * Rebuilds a GraphModule from a checked manifest and its tensors: submodules from their specs (children
 * first), the root's buffers, the graph through GraphModule.from_json (schema-checked and linted), then a
 * strict load_state_dict. Call only after check_manifest and check_against_weights.
 */
import { Module } from '../../runtime/nn/module.js';
import { int_repr } from '../../runtime/quant/qtensor.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { GraphModule } from '../ir/graph_module.js';
import type { QuantizedManifest } from './manifest.js';
import { spec_by_type } from './module_specs.js';

export function build_quantized(man: QuantizedManifest, tensors: Record<string, Tensor>, source: string): GraphModule {
  const fail = (msg: string): never => {
    throw new Error(`load_quantized ${source}: ${msg}`);
  };
  const built = new Map<string, Module>();
  const kids = new Map<string, [string, Module][]>();
  // deepest first: fused modules and containers are built from their already-built children
  const entries = [...man.modules].sort((a, b) => b.path.split('.').length - a.path.split('.').length);
  for (const e of entries) {
    const spec = spec_by_type(e.type, `load_quantized ${source}: module '${e.path}'`);
    const children = Object.fromEntries(kids.get(e.path) ?? []) as Record<string, Module>;
    let mod: Module | undefined;
    try {
      mod = spec.create(e.args, children);
    } catch (err) {
      fail(`rebuilding module '${e.path}' (${e.type}): ${(err as Error).message}`);
    }
    const m = mod as Module;
    // plain parents (and Sequentials built empty) take their children by name
    for (const [k, c] of Object.entries(children))
      if ((m as unknown as Record<string, unknown>)[k] !== c) m.add_module(k, c);
    built.set(e.path, m);
    const dot = e.path.lastIndexOf('.');
    const parent = dot < 0 ? '' : e.path.slice(0, dot);
    kids.set(parent, [...(kids.get(parent) ?? []), [e.path.slice(dot + 1), m]]);
  }
  const root = new Module();
  for (const [name, m] of kids.get('') ?? []) root.add_module(name, m);
  for (const name of man.root_buffers) root.register_buffer(name, tensors[name]);
  let gm: GraphModule | undefined;
  try {
    gm = GraphModule.from_json(man.graph, root);
  } catch (err) {
    fail(`graph: ${(err as Error).message}`);
  }
  const g = gm as GraphModule;
  g.class_name = man.class_name;
  const own = new Set(Object.keys(g.state_dict()));
  // non-persistent root buffers (tracer constants) are in the file but not in state_dict
  const sd: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) if (!man.root_buffers.includes(k) || own.has(k)) sd[k] = t;
  try {
    g.load_state_dict(sd);
  } catch (err) {
    fail((err as Error).message);
  }
  g.eval();
  return g;
}

/** state_dict plus the root's non-persistent buffers, quantized tensors as their int8 / uint8 values. */
export function tensors_of(gm: GraphModule): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(gm.state_dict())) out[k] = t.is_quantized ? int_repr(t) : t;
  for (const [k, t] of gm.named_buffers('', false))
    if (!Object.hasOwn(out, k)) out[k] = t.is_quantized ? int_repr(t) : t;
  return out;
}
