/**
 * Contract: insert_observers(gm, options) — driven by node.meta.qconfig (assign_qconfig) and the pattern
 * table of the backend config (derived from runtime/quantized/op_catalogue; its value_ops: the records' value ops), inserts activation observers / fake-quant modules
 * (`activation_post_process_<n>` submodules called by call_module nodes) and records on each matched op
 * node `meta.quant = { row, last, qconfig }` (static) or `meta.dynamic = row` (dynamic); mutates gm.
 *
 *   before:  conv1 = conv1(x);  add = add(conv1, y);  relu2 = relu2(add);  pool = pool(relu2)
 *   after:   app_0 = activation_post_process_0(x);  conv1 = conv1(app_0);  app_1 = activation_post_process_1(conv1)
 *            …  add = add(app_1, app_2);  relu2 = relu2(add);  app_3 = activation_post_process_3(relu2)   // add_relu: one observer, after the relu
 *            pool = pool(app_3);  app_4 = activation_post_process_3(pool)      // pools share their input's observer (same module)
 *            cat = cat([app_5, app_6]);  app_7 = activation_post_process_5(cat)   // cat: inputs and output share the first
 *                                                                                 // input's observer (node app_6 rebound to it)
 *
 * Every user of an observed value reads the observer's output (observers are identities). Input
 * observers go right after the value they observe (a model input's: right before its consumer) and are
 * reused by later consumers of the same value.
 * Nodes with a null qconfig get nothing; dynamic qconfigs insert nothing (weights are observed at
 * convert). A node with a qconfig but no int8 pattern is reported in `warnings` and left float.
 */

import type { Module } from '../../runtime/nn/module.js';
import { FixedQParamsFakeQuantize } from '../../runtime/quant/fake_quantize.js';
import {
  activation_is_dynamically_quantized,
  is_activation_post_process,
  type QConfig,
  qconfig_equals,
  weight_is_float_qparams,
} from '../../runtime/quant/qconfig.js';
import { FixedQParamsObserver } from '../../runtime/quant/simple_observers.js';
import {
  type BackendConfig,
  find_dynamic_row,
  find_weight_only_row,
  get_qnnpack_backend_config,
  is_float_island,
  type QuantPatternRow,
} from '../../runtime/quantized/op_catalogue/index.js';
import type { GraphModule } from '../ir/graph_module.js';
import type { Node } from '../ir/node.js';

/** What insert_observers records on a matched op node (node.meta.quant). */
export interface QuantMeta {
  row: QuantPatternRow;
  /** The pattern's last node: the relu of a fused pattern, else the op node itself. */
  last: Node;
  qconfig: QConfig;
}

/** Options of insert_observers. */
export interface InsertObserversOptions {
  /** QAT: fixed-qparams ops get FixedQParamsFakeQuantize instead of FixedQParamsObserver. */
  is_qat?: boolean;
  /** Receives one message per op left in float although its qconfig asked for quantization. */
  warnings?: string[];
  /** The pattern rows (default get_qnnpack_backend_config(): PyTorch 1.13 parity). */
  backend_config?: BackendConfig;
}

/** Builtins that compute no tensor (shape reads): never warned about. */
const NON_TENSOR_OPS = new Set(['getattr', 'getitem', 'size', 'dim']);

/** True when `n` calls an observer / fake-quant module. */
export function is_observer_node(gm: GraphModule, n: unknown): n is Node {
  const node = n as Node;
  return node?.op === 'call_module' && is_activation_post_process(gm.get_submodule(node.target));
}

function describe(node: Node, mod: Module | null): string {
  return node.op === 'call_module'
    ? `call_module '${node.target}' (${mod?.constructor.name})`
    : `${node.op} '${node.target}'`;
}

function input_nodes(node: Node, row: QuantPatternRow): Node[] {
  const is_node = (a: unknown): a is Node => typeof a === 'object' && a !== null && 'users' in a && 'graph' in a;
  if (row.inputs === 'first') return is_node(node.args[0]) ? [node.args[0]] : [];
  if (row.inputs === 'list') return Array.isArray(node.args[0]) ? (node.args[0] as unknown[]).filter(is_node) : [];
  return node.args.filter(is_node);
}

/** Inserts observers into gm (see the header); returns gm. */
export function insert_observers(gm: GraphModule, options: InsertObserversOptions = {}): GraphModule {
  const graph = gm.graph;
  const warnings = options.warnings ?? [];
  const config = options.backend_config ?? get_qnnpack_backend_config();
  const obs_of = new Map<Node, Node>();
  const consumed = new Set<Node>();
  let counter = 0;
  const module_of = (n: Node): Module | null => (n.op === 'call_module' ? gm.get_submodule(n.target) : null);

  const add_observer = (
    mod: Module,
    target: string | null,
    input: Node,
    before: Node | null,
    after: Node | null,
  ): Node => {
    let name = target;
    if (name === null) {
      while (Object.hasOwn(gm, `activation_post_process_${counter}`)) counter++;
      name = `activation_post_process_${counter++}`;
      gm.add_submodule(name, mod);
    }
    const at = (fn: () => Node): Node =>
      before ? graph.inserting_before(before, fn) : graph.inserting_after(after, fn);
    return at(() => graph.call_module(name as string, [input]));
  };
  // observer node `obs` now calls observer `to`, as torch rebinds that node's own module name (setattr), so
  // other nodes calling its old observer (a conv whose output a ReLU6 shares) keep it; an orphan is deleted
  const rebind_observer = (obs: Node, to: string): void => {
    const from = obs.target;
    if (from === to) return;
    obs.target = to;
    if (!graph.nodes.some((n) => n.op === 'call_module' && n.target === from)) gm.delete_submodule(from);
  };
  const observed = (a: Node): Node | null => (is_observer_node(gm, a) ? a : (obs_of.get(a) ?? null));

  for (const node of graph.nodes) {
    if (consumed.has(node)) continue;
    if (node.op !== 'call_module' && node.op !== 'call_function' && node.op !== 'call_method') continue;
    const q = node.meta.qconfig as QConfig | null | undefined;
    if (!q) continue;
    const mod = module_of(node);
    if (mod && is_activation_post_process(mod)) continue;
    // embeddings: weight-only under float_qparams_weight_only_qconfig (convert swaps them as dynamic modules);
    // under any other qconfig torch 1.13's dtype configs do not match, and they stay float
    const weight_only = find_weight_only_row(mod);
    if (weight_only || weight_is_float_qparams(q)) {
      if (weight_only && weight_is_float_qparams(q)) node.meta.dynamic = weight_only;
      else if (weight_only)
        warnings.push(
          `${describe(node, mod)} (node '${node.name}') is quantized only with float_qparams_weight_only_qconfig[_4bit]; kept in float`,
        );
      else if (mod)
        warnings.push(
          `${describe(node, mod)} (node '${node.name}'): a weight-only qconfig applies to nn.Embedding / nn.EmbeddingBag only; kept in float`,
        );
      continue;
    }
    if (activation_is_dynamically_quantized(q)) {
      const row = find_dynamic_row(mod);
      if (row) node.meta.dynamic = row;
      else if (!NON_TENSOR_OPS.has(node.target))
        warnings.push(`${describe(node, mod)} (node '${node.name}') has no dynamic int8 lowering; kept in float`);
      continue;
    }
    // a fused pattern: op → relu where the op's only user is the relu and both have the same qconfig
    let row: QuantPatternRow | null = null;
    let last = node;
    if (node.users.size === 1) {
      const [u] = node.users;
      const fused = config.find_fused_row(node, mod, u, module_of(u));
      if (fused && qconfig_equals(q, (u.meta.qconfig as QConfig | null) ?? null)) {
        row = fused;
        last = u;
      }
    }
    row ??= config.find_static_row(node, mod);
    if (!row) {
      if (!NON_TENSOR_OPS.has(node.target) && !is_float_island(node, mod))
        warnings.push(
          `${describe(node, mod)} (node '${node.name}') has no int8 lowering; kept in float with dequantize/quantize around it`,
        );
      continue;
    }
    const probe = q.activation() as Module & { dtype?: string };
    if (probe.dtype !== 'quint8') {
      warnings.push(
        `${describe(node, mod)} (node '${node.name}'): activation dtype ${probe.dtype} is not supported by the int8 lowering (quint8 only); kept in float`,
      );
      continue;
    }
    const inputs = input_nodes(node, row);
    if ((row.inputs === 'tensors' && inputs.length !== 2) || inputs.length === 0) {
      warnings.push(
        `${describe(node, mod)} (node '${node.name}'): ${row.name} needs quantized tensor inputs, got ${inputs.length}; kept in float`,
      );
      continue;
    }
    if (config.value_ops.has(row.name) && !inputs.every((a) => observed(a))) continue; // float in, float out, as torch
    // inputs: reuse an existing observer, else observe the value right before this op
    for (const a of inputs) {
      if (is_observer_node(gm, a)) continue;
      let obs = obs_of.get(a);
      if (!obs) {
        // torch's insert_observer puts it right after the value (so convert numbers the qparams in that order);
        // a model input's goes before its consumer, keeping the placeholders first
        const value = a as Node;
        obs =
          value.op === 'placeholder'
            ? add_observer(q.activation(), null, value, node, null)
            : add_observer(q.activation(), null, value, null, value);
        obs.meta.input_of = node.name;
        obs_of.set(a, obs);
      }
      node.replace_input_with(a, obs);
    }
    // 'share' with several inputs (cat): every input's observer node and the output use the first input's
    // observer, as torch's maybe_make_input_output_share_observers; an input whose observer others share too
    // (relu6 after a conv) is rebound alone, and the int8 op requantizes it
    if (row.observation === 'share' && inputs.length > 1) {
      const keep = (observed(inputs[0]) as Node).target;
      for (const a of inputs.slice(1)) rebind_observer(observed(a) as Node, keep);
    }
    // output
    let out_obs: Node;
    if (row.observation === 'share') {
      const in_obs = observed(inputs[0]) as Node;
      out_obs = add_observer(gm.get_submodule(in_obs.target), in_obs.target, last, null, last);
    } else if (row.observation === 'fixed') {
      const fq = row.fixed_qparams as { scale: number; zero_point: number };
      const m = options.is_qat
        ? new FixedQParamsFakeQuantize({ observer: FixedQParamsObserver.with_args(fq) })
        : new FixedQParamsObserver(fq);
      out_obs = add_observer(m, null, last, null, last);
    } else {
      out_obs = add_observer(q.activation(), null, last, null, last);
    }
    last.replace_all_uses_with(out_obs, (u) => u !== out_obs);
    obs_of.set(last, out_obs);
    if (last !== node) consumed.add(last);
    node.meta.quant = { row, last, qconfig: q } satisfies QuantMeta;
  }
  gm.recompile();
  return gm;
}
