/**
 * Rebuilds a GraphModule from a checked manifest and its tensors: submodules from their specs (children
 * first), each loading its own tensors strictly as soon as it is built, the root's buffers, then the graph
 * through GraphModule.from_json (schema-checked and linted). Call only after check_manifest and
 * check_against_weights (which guarantee every tensor has exactly one owner). `tensors` is consumed.
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
  // each module's tensors by its path, loaded right after it is built and then dropped, so the peak holds
  // one module's constructor-time zero weights at a time, not every module's (see README: the bound)
  const by_owner = new Map<string, [string, string][]>();
  for (const k of Object.keys(tensors)) {
    const dot = k.lastIndexOf('.');
    if (dot < 0) continue; // root buffers
    const owner = k.slice(0, dot);
    by_owner.set(owner, [...(by_owner.get(owner) ?? []), [k.slice(dot + 1), k]]);
  }
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
    const own = by_owner.get(e.path);
    if (own) {
      try {
        m.load_state_dict(Object.fromEntries(own.map(([name, key]) => [name, tensors[key]])));
      } catch (err) {
        fail(`module '${e.path}' (${e.type}): ${(err as Error).message}`);
      }
      for (const [, key] of own) delete tensors[key];
    }
    const dot = e.path.lastIndexOf('.');
    const parent = dot < 0 ? '' : e.path.slice(0, dot);
    kids.set(parent, [...(kids.get(parent) ?? []), [e.path.slice(dot + 1), m]]);
  }
  const root = new Module();
  for (const [name, m] of kids.get('') ?? []) root.add_module(name, m);
  for (const name of man.root_buffers) {
    root.register_buffer(name, tensors[name]);
    delete tensors[name];
  }
  let gm: GraphModule | undefined;
  try {
    gm = GraphModule.from_json(man.graph, root);
  } catch (err) {
    fail(`graph: ${(err as Error).message}`);
  }
  const g = gm as GraphModule;
  g.class_name = man.class_name;
  // every tensor of the file must have landed in the model the graph kept (a module the graph never calls
  // is dropped by GraphModule, and its weights with it)
  const kept = new Set(Object.keys(g.state_dict()));
  for (const [k] of g.named_buffers('', false)) kept.add(k);
  const lost = [...by_owner.values()]
    .flat()
    .map(([, key]) => key)
    .filter((k) => !kept.has(k));
  if (lost.length)
    fail(
      `tensor(s) the graph never uses: ${lost
        .slice(0, 20)
        .map((k) => `"${k}"`)
        .join(', ')}${lost.length > 20 ? ', …' : ''}`,
    );
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
