/**
 * torch.ao.ns._numeric_suite_fx: compare a float model with its quantized GraphModule layer by layer.
 *   extract_weights       — matched layers' weights (float vs dequantizable int8)
 *   add_loggers           — copies of both graphs with an OutputLogger after each matched node;
 *   extract_logger_info   — run them on the same data, then collect the logged outputs by layer
 *   add_shadow_loggers    — the quantized graph with each matched float module run beside its int8
 *                           twin on the same (dequantized) input: the error of that layer alone
 *   extend_logger_results_with_comparison — adds a metric (compute_sqnr …) per layer
 * Results have torch's NSResultsType shape: { [layer]: { [result type]: { [model name]: NSSingleResult[] } } }.
 * A float model that is not a GraphModule is first fuse_fx'd (BN folded), as the reference compares.
 */
import { Graph } from '../../compiler/ir/graph.js';
import { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Node } from '../../compiler/ir/node.js';
import { fuse_fx } from '../../compiler/quantize_fx.js';
import { Module } from '../../runtime/nn/module.js';
import { deepcopy } from '../../runtime/nn/utils/deepcopy.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { match_nodes, type NodePair } from './match.js';

/** One model's result for one layer (torch's NSSingleResultType). */
export interface NSSingleResult {
  type: 'weight' | 'node_output';
  values: Tensor[];
  ref_node_name: string;
  ref_node_target_type: string;
  prev_node_name: string;
  fqn: string;
  index_within_arg: number;
  index_of_arg: number;
  /** Added by extend_logger_results_with_comparison: one value per entry of `values`. */
  comparisons?: number[];
  comparison_fn_name?: string;
}

/** { layer: { result type: { model name: results } } }. */
export type NSResultsType = Record<string, Record<string, Record<string, NSSingleResult[]>>>;

/** The logger add_loggers inserts: records its input on every call and passes it through. */
export class OutputLogger extends Module {
  stats: Tensor[] = [];
  constructor(
    readonly ref_name: string,
    readonly model_name: string,
    readonly prev_node_name: string,
    readonly prev_node_target_type: string,
    readonly fqn: string,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (x instanceof Tensor) this.stats.push(x);
    return x;
  }
}

/** The float side as a GraphModule: as given, or fuse_fx of an eval-mode copy. */
export function as_float_graph(model: Module): GraphModule {
  if (model instanceof GraphModule) return model;
  const m = deepcopy(model).eval();
  return fuse_fx(m);
}

/**
 * A new GraphModule over a copy of the graph that shares gm's submodules and tensors: nodes can be
 * added without touching gm, and int8 weights stay packed for the backend (no deep copy of packs).
 */
export function copy_graph_module(gm: GraphModule): GraphModule {
  const g = new Graph();
  const { output } = g.graph_copy(gm.graph);
  g.output(output);
  return new GraphModule(gm, g, gm.class_name);
}

function need_graph(model: Module, where: string): GraphModule {
  if (!(model instanceof GraphModule))
    throw new Error(
      `${where}: the quantized model must be a GraphModule (convert_fx's result), got ${model.constructor.name}`,
    );
  return model;
}

function weight_of(gm: GraphModule, n: Node): Tensor | null {
  if (n.op !== 'call_module') return null;
  let m = gm.get_submodule(n.target) as unknown as Record<string, unknown>;
  // a float fused module (ConvReLU2d = Sequential(conv, relu)) keeps its weight in the first child
  if (m.weight === undefined && m['0'] instanceof Module) m = m['0'] as unknown as Record<string, unknown>;
  const w = typeof m.weight === 'function' ? (m.weight as () => unknown).call(m) : m.weight;
  return w instanceof Tensor ? w : null;
}

function single(type: NSSingleResult['type'], values: Tensor[], p: NodePair, n: Node): NSSingleResult {
  const prev = n.all_input_nodes[0];
  return {
    type,
    values,
    ref_node_name: p.name,
    ref_node_target_type: p.b_type,
    prev_node_name: prev?.name ?? '',
    fqn: n.op === 'call_module' ? n.target : n.name,
    index_within_arg: 0,
    index_of_arg: 0,
  };
}

/** Weights of the matched weighted layers of both models. */
export function extract_weights(
  model_name_a: string,
  model_a: Module,
  model_name_b: string,
  model_b: Module,
): NSResultsType {
  const a = as_float_graph(model_a);
  const b = need_graph(model_b, 'extract_weights');
  const out: NSResultsType = {};
  for (const p of match_nodes(a, b)) {
    const wa = weight_of(a, p.a);
    const wb = weight_of(b, p.b);
    if (!wa || !wb) continue;
    out[p.name] = {
      weight: { [model_name_a]: [single('weight', [wa], p, p.a)], [model_name_b]: [single('weight', [wb], p, p.b)] },
    };
  }
  return out;
}

function insert_logger(gm: GraphModule, node: Node, logger: OutputLogger, index: number): void {
  const name = `_ns_logger_${index}`;
  gm.add_submodule(name, logger);
  const ln = gm.graph.call_module(name, [node]);
  node.append(ln);
  node.replace_all_uses_with(ln, (u) => u !== ln);
}

/**
 * Copies of both models with an OutputLogger after each matched node (the float one fused first).
 * Run both on the same inputs, then call extract_logger_info.
 */
export function add_loggers(
  name_a: string,
  model_a: Module,
  name_b: string,
  model_b: Module,
): [GraphModule, GraphModule] {
  const a = copy_graph_module(as_float_graph(model_a));
  const b = copy_graph_module(need_graph(model_b, 'add_loggers'));
  const pairs = match_nodes(a, b);
  // as torch: prev_node_name is the node whose output the logger records
  pairs.forEach((p, i) => {
    const type_a = p.a.op === 'call_module' ? a.get_submodule(p.a.target).constructor.name : p.a.target;
    insert_logger(
      a,
      p.a,
      new OutputLogger(p.name, name_a, p.a.name, type_a, p.a.op === 'call_module' ? p.a.target : p.a.name),
      i,
    );
    insert_logger(
      b,
      p.b,
      new OutputLogger(p.name, name_b, p.b.name, p.b_type, p.b.op === 'call_module' ? p.b.target : p.b.name),
      i,
    );
  });
  a.recompile();
  b.recompile();
  return [a, b];
}

function loggers_of(m: Module): OutputLogger[] {
  return [...m.modules()].filter((x): x is OutputLogger => x instanceof OutputLogger);
}

/** NSResultsType from loggers: one node_output result per (layer, model). */
function results_of(loggers: OutputLogger[]): NSResultsType {
  const out: NSResultsType = {};
  for (const lg of loggers) {
    out[lg.ref_name] = out[lg.ref_name] ?? {};
    const layer = out[lg.ref_name];
    layer.node_output = layer.node_output ?? {};
    layer.node_output[lg.model_name] = [
      {
        type: 'node_output',
        values: lg.stats,
        ref_node_name: lg.ref_name,
        ref_node_target_type: lg.prev_node_target_type,
        prev_node_name: lg.prev_node_name,
        fqn: lg.fqn,
        index_within_arg: 0,
        index_of_arg: 0,
      },
    ];
  }
  return out;
}

/** Collects the loggers' outputs of both models (add_loggers copies) into NSResultsType, by layer. */
export function extract_logger_info(model_a: Module, model_b: Module): NSResultsType {
  return results_of([...loggers_of(model_a), ...loggers_of(model_b)]);
}

/** Runs a float module on the dequantized input of its quantized twin and logs the output. */
export class ShadowLogger extends Module {
  constructor(
    readonly float_module: Module,
    readonly logger: OutputLogger,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    const xf = x.is_quantized ? x.dequantize() : x;
    return this.logger.forward(this.float_module.call(xf) as Tensor);
  }
}

/**
 * The quantized model (a copy) where every matched call_module layer also runs its float twin on the
 * same input (dequantized): loggers record both outputs, so each layer's error excludes what earlier
 * layers accumulated. Read with extract_shadow_logger_info.
 */
export function add_shadow_loggers(name_a: string, model_a: Module, name_b: string, model_b: Module): GraphModule {
  const a = as_float_graph(model_a);
  const b = copy_graph_module(need_graph(model_b, 'add_shadow_loggers'));
  match_nodes(a, b).forEach((p, i) => {
    if (p.a.op !== 'call_module' || p.b.op !== 'call_module') return;
    const input = p.b.all_input_nodes[0];
    if (!input) return;
    const fqn = p.b.target;
    const float_mod = a.get_submodule(p.a.target);
    const shadow = new ShadowLogger(
      deepcopy(float_mod),
      new OutputLogger(p.name, name_a, p.a.name, float_mod.constructor.name, fqn),
    );
    b.add_submodule(`_ns_shadow_${i}`, shadow);
    const sn = b.graph.call_module(`_ns_shadow_${i}`, [input]);
    p.b.prepend(sn);
    insert_logger(b, p.b, new OutputLogger(p.name, name_b, p.b.name, p.b_type, fqn), i);
  });
  b.recompile();
  return b;
}

/** The shadow model's results: per layer, the float twin's and the int8 layer's outputs. */
export function extract_shadow_logger_info(model_a_shadows_b: Module): NSResultsType {
  return results_of(loggers_of(model_a_shadows_b));
}

/**
 * Adds `comparison_fn(values_1[i], values_2[i])` for every layer and result type to model 2's results,
 * as `comparisons` (torch's extend_logger_results_with_comparison). Mutates and returns `results`.
 */
export function extend_logger_results_with_comparison(
  results: NSResultsType,
  model_name_1: string,
  model_name_2: string,
  comparison_fn: (x: Tensor, y: Tensor) => number,
  comparison_name: string,
): NSResultsType {
  for (const [layer, types] of Object.entries(results)) {
    for (const [type, models] of Object.entries(types)) {
      const r1 = models[model_name_1];
      const r2 = models[model_name_2];
      if (!r1 || !r2)
        throw new Error(
          `extend_logger_results_with_comparison: layer '${layer}' (${type}) lacks results of '${!r1 ? model_name_1 : model_name_2}'`,
        );
      for (let k = 0; k < r2.length; k++) {
        const v1 = r1[k]?.values ?? [];
        const v2 = r2[k].values;
        if (v1.length !== v2.length)
          throw new Error(
            `extend_logger_results_with_comparison: layer '${layer}' has ${v1.length} values in '${model_name_1}' but ${v2.length} in '${model_name_2}'`,
          );
        r2[k].comparisons = v2.map((y, i) => comparison_fn(v1[i], y));
        r2[k].comparison_fn_name = comparison_name;
      }
    }
  }
  return results;
}
