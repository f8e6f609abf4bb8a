/**
 * Contract: convert_observers(gm) — replaces every observer / fake-quant call (calibrated) with
 * quantize_per_tensor → dequantize, its (scale, zero_point) stored as buffers read by get_attr nodes,
 * named as torch names them (`conv1_input_scale_0` for the observer of a model input, `layer1_relu2_scale_0`
 * for the output of a module call, `block1_scale_0` for a function called in block1's forward, `_scale_0` at
 * the top level); the quantize node gets meta.qparams. Mutates gm; observers are deleted.
 * This is torch's reference representation: float ops between quantize/dequantize pairs.
 *
 *   before:  app_1 = activation_post_process_1(conv1);  pool1 = pool1(app_1)
 *   after:   conv1_scale_0 = self.conv1_scale_0;  conv1_zero_point_0 = self.conv1_zero_point_0
 *            quantize_per_tensor = quantize_per_tensor(conv1, conv1_scale_0, conv1_zero_point_0, 'quint8')
 *            dequantize = quantize_per_tensor.dequantize();  pool1 = pool1(dequantize)
 *
 * An observer that saw no data is an error naming it and the node it observes (calibrate first).
 */

import { Module } from '../../runtime/nn/module.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import type { GraphModule } from '../ir/graph_module.js';
import type { Node } from '../ir/node.js';
import { is_observer_node } from './insert_observers.js';

/** The qparams of a quantized value (meta.qparams of quantize nodes and lowered int8 nodes). */
export interface NodeQParams {
  scale: number;
  zero_point: number;
  dtype: string;
}

type Slots = Record<string, unknown>;

/** True when an observer (or a fake-quant's inner observer) has recorded nothing yet. */
export function observer_saw_no_data(obs: Module): boolean {
  const inner = (obs as unknown as Slots).activation_post_process;
  const o = inner instanceof Module ? inner : obs;
  const mn = (o as unknown as Slots).min_val;
  if (!(mn instanceof Tensor)) return false;
  const d = mn.data;
  return d.length === 0 || Array.prototype.every.call(d, (v: number) => v === Number.POSITIVE_INFINITY);
}

/** The calibrated (scale, zero_point, dtype) of an observer module; `where` names it for errors. */
export function observer_qparams(obs: Module, where: string): NodeQParams {
  if (observer_saw_no_data(obs)) {
    throw new Error(
      `${where} saw no data: run calibration (forward passes on representative inputs) before convert_fx`,
    );
  }
  const calc = (obs as unknown as { calculate_qparams(): [Tensor, Tensor] }).calculate_qparams();
  const dtype = String((obs as unknown as Slots).dtype ?? 'quint8');
  if (calc[0].numel() !== 1) throw new Error(`${where}: per-channel activation qparams are not supported`);
  return { scale: calc[0].data[0], zero_point: Number(calc[1].data[0]), dtype };
}

/** torch's node_name_to_scope: a module call's own path, a function / method's enclosing module, else the root. */
function scope_of(n: Node): string {
  if (n.op === 'call_module') return n.target;
  if (n.op === 'call_function' || n.op === 'call_method') return ((n.meta.scope as [string] | undefined) ?? [''])[0];
  return '';
}

/**
 * The qparam buffer prefix of an observer node, torch 1.13's get_module_path_and_prefix (fx/convert.py): an
 * observer of a value with no qconfig (a placeholder; torch gives get_attr nodes their module's) is only its
 * consumer's input observer, named after its first user's scope (the first F.linear user if any) + '_input';
 * any other is named after the observed node's scope ('' at the top level: `_scale_0`).
 */
function qparam_prefix(obs_node: Node): string {
  const x = obs_node.args[0] as Node;
  const qconfig = x.meta.qconfig;
  const input_only = x.op === 'placeholder' || (x.op === 'get_attr' ? qconfig === null : !qconfig);
  if (!input_only) return scope_of(x).replace(/\./g, '_');
  const users = [...obs_node.users];
  const user = users.find((u) => u.op === 'call_function' && u.target === 'F.linear') ?? users[0];
  return `${user ? scope_of(user).replace(/\./g, '_') : ''}_input`;
}

/** torch's get_new_attr_name_with_prefix: `<prefix><i>` for the first i the root has no attribute of. */
function new_attr_name(gm: GraphModule, prefix: string): string {
  let i = 0;
  while (`${prefix}${i}` in gm) i++;
  return `${prefix}${i}`;
}

/** Replaces observers with quantize/dequantize pairs (see the header); returns gm. */
export function convert_observers(gm: GraphModule): GraphModule {
  const graph = gm.graph;
  const used_observers = new Set<string>();
  // a shared observer (ops that keep their input's qparams) is called at several nodes: compute once
  const computed = new Map<string, NodeQParams>();
  for (const obs_node of graph.nodes) {
    if (!is_observer_node(gm, obs_node)) continue;
    const x = obs_node.args[0] as Node;
    const obs = gm.get_submodule(obs_node.target);
    used_observers.add(obs_node.target);
    const qp =
      computed.get(obs_node.target) ??
      observer_qparams(
        obs,
        `convert_fx: observer '${obs_node.target}' (${obs.constructor.name}) on the output of node '${x.name}'`,
      );
    computed.set(obs_node.target, qp);
    const prefix = qparam_prefix(obs_node);
    const scale_name = new_attr_name(gm, `${prefix}_scale_`);
    gm.register_buffer(scale_name, new Tensor(Float32Array.of(qp.scale), [], 'float32'));
    const zp_name = new_attr_name(gm, `${prefix}_zero_point_`);
    gm.register_buffer(zp_name, new Tensor(Float64Array.of(qp.zero_point), [], 'int64'));
    const dq = graph.inserting_before(obs_node, () => {
      const s = graph.get_attr(scale_name);
      const z = graph.get_attr(zp_name);
      const q = graph.call_function('quantize_per_tensor', [x, s, z, qp.dtype]);
      q.meta.qparams = qp;
      return graph.call_method('dequantize', [q]);
    });
    obs_node.replace_all_uses_with(dq);
    graph.erase_node(obs_node);
  }
  for (const t of used_observers) gm.delete_submodule(t);
  gm.recompile();
  return gm;
}
