/**
 * Contract: lower_to_int8(gm) — on the reference graph (convert_observers), rewrites each matched
 * pattern `dequantize → op [→ relu] → quantize_per_tensor` (node.meta.quant from insert_observers) into
 * its int8 form from the pattern table: an int8 module (from_float of the observed float module), a
 * 'quantized.*' function, or the identity; swaps dynamic-qconfig modules for their dynamic int8
 * modules. A pattern whose neighbours are not quantize/dequantize stays float. Mutates gm.
 *
 *   before:  dequantize = q0.dequantize();  conv1 = conv1(dequantize)
 *            quantize_per_tensor_1 = quantize_per_tensor(conv1, conv1_scale_0, conv1_zero_point_0, 'quint8')
 *   after:   conv1 = conv1(q0)            // gm.conv1 = nn.quantized.Conv2d.from_float(observed float conv1)
 *
 *   before:  dequantize_1 = conv1.dequantize();  pool1 = pool1(dequantize_1);  quantize_per_tensor_2 = ...
 *   after:   pool1 = pool1(conv1)         // the float nn.MaxPool2d, run on the quantized tensor (as torch)
 *
 *   before:  relu2_scale_0 = self.relu2_scale_0;  relu2_zero_point_0 = self.relu2_zero_point_0
 *            add = add(dq_a, dq_b);  relu2 = relu2(add);  q = quantize_per_tensor(relu2, relu2_scale_0, relu2_zero_point_0, 'quint8')
 *   after:   add_relu = quantized.add_relu(a, b, relu2_scale_0, relu2_zero_point_0)   // the qparams stay buffers
 *
 *   before:  dequantize_2 = conv1.dequantize();  mul = dequantize_2.mul(0.5);  quantize_per_tensor_3 = ...
 *   after:   mul = quantized.mul_scalar(conv1, 0.5)   // output qparams of its own (0.5·s, z): no quantize
 *
 *   before:  conv = conv(dq);  relu6 = relu6(conv);  q = quantize_per_tensor(relu6, …)     // fxq config: one observer, after the clamp
 *   after:   conv = conv(q0)             // gm.conv = nn.quantized.Conv2d with out_clamp [zero_point, quantize(6)]
 *
 * Lowered nodes carry meta.qparams (their output's scale / zero point).
 */

import type { Module } from '../../runtime/nn/module.js';
import { deepcopy } from '../../runtime/nn/utils/deepcopy.js';
import { FixedQParamsObserver } from '../../runtime/quant/simple_observers.js';
import {
  clamp_to_levels,
  type DynamicPatternRow,
  type QuantPatternRow,
} from '../../runtime/quantized/op_catalogue/index.js';
import type { Graph } from '../ir/graph.js';
import type { GraphModule } from '../ir/graph_module.js';
import type { Argument, Node } from '../ir/node.js';
import type { NodeQParams } from './convert_observers.js';
import type { QuantMeta } from './insert_observers.js';

type Slots = Record<string, unknown>;

const is_dequantize = (n: unknown): n is Node =>
  typeof n === 'object' && n !== null && (n as Node).op === 'call_method' && (n as Node).target === 'dequantize';
const is_quantize = (n: Node): boolean => n.op === 'call_function' && n.target === 'quantize_per_tensor';

/** The quantized inputs behind the dequantize nodes feeding `node`, or null when one input is float. */
function quantized_inputs(node: Node, meta: QuantMeta): Node[] | null {
  const list =
    meta.row.inputs === 'list' ? (node.args[0] as unknown[]) : meta.row.inputs === 'first' ? [node.args[0]] : node.args;
  const nodes = list.filter((a) => typeof a === 'object' && a !== null && 'graph' in (a as object)) as Node[];
  if (!nodes.every(is_dequantize)) return null;
  return nodes.map((d) => d.args[0] as Node);
}

/** The single quantize_per_tensor reading the pattern's output, or null. */
function output_quantize(last: Node): Node | null {
  if (last.users.size !== 1) return null;
  const [q] = last.users;
  return is_quantize(q) ? q : null;
}

/**
 * The name (candidate) of the node replacing a float op. torch 1.13's _lower_quantized_binary_op creates a new
 * `torch.ops.quantized.add` / `mul` / `matmul` / `add_relu` node while the float one still holds its name, so
 * the graph's namespace hands out the next free one (`add` → `add_1`; tensor ⊕ number ops alike); other ops
 * are rewritten in place and keep their name (`cat` stays `cat`). A fused pattern is named after its row.
 */
function lowered_name(graph: Graph, node: Node, meta: QuantMeta, op: string): string {
  const { row, last } = meta;
  if (row.inputs === 'tensors' || row.inputs === 'one_tensor') {
    // quantized.add_scalar_relu → add_relu: torch's scalar forms are the same ops
    return op.slice(op.lastIndexOf('.') + 1).replace('_scalar', ''); // a candidate: create_node makes it unique
  }
  if (last !== node) return row.name;
  const name = node.name;
  graph.rename_node(node, `${name}_float`);
  return name;
}

function lower_static(gm: GraphModule, node: Node, meta: QuantMeta, warnings: string[]): void {
  const graph = gm.graph;
  const { row, last } = meta;
  const ins = quantized_inputs(node, meta);
  const q = output_quantize(last);
  if (!ins || !q) {
    warnings.push(
      `node '${node.name}' (${row.name}) is not between dequantize and quantize after conversion; kept in float`,
    );
    return;
  }
  const low = row.lowering;
  // an op that keeps its input's qparams ('share': pools, flatten, relu, …) outputs the input's runtime qparams:
  // the shared observer's, unless the input set its own (quantized.add_scalar / mul_scalar)
  const keeps_input_qparams =
    row.observation === 'share' && ins.length === 1 && !(low.kind === 'function' && low.takes_qparams);
  const qp = ((keeps_input_qparams ? ins[0].meta.qparams : undefined) ?? q.meta.qparams) as NodeQParams;
  const mod = node.op === 'call_module' ? gm.get_submodule(node.target) : null;
  if (low.kind === 'none') {
    warnings.push(
      `node '${node.name}' (${row.name}) has no int8 kernel; kept in float between dequantize and quantize`,
    );
    return;
  }
  if (low.kind === 'identity') {
    q.replace_all_uses_with(ins[0]);
    graph.erase_node(q);
    return;
  }
  if (low.kind === 'module' || low.kind === 'keep') {
    if (low.kind === 'module') {
      const m = mod as Module;
      // from_float reads qconfig.weight() and the output observer, as torch's does
      (m as unknown as Slots).qconfig = meta.qconfig;
      (m as unknown as Slots).activation_post_process = new FixedQParamsObserver({
        scale: qp.scale,
        zero_point: qp.zero_point,
      });
      const q_mod = low.quantized.from_float(m);
      // a fused op → clamp (fxq config): the clamp's bounds at the output qparams become the module's output clamp
      if (row.clamp && last !== node) set_out_clamp(gm, q_mod, row, last, qp);
      gm.set_submodule(node.target, q_mod);
    }
    // keep: the float op (a pool) runs on the quantized input as it is
    node.args = [ins[0], ...node.args.slice(1)];
    node.meta.qparams = qp;
    q.replace_all_uses_with(node);
    graph.erase_node(q);
    if (last !== node) graph.erase_node(last);
    return;
  }
  if (low.kind === 'own_qparams') {
    lower_own_qparams(gm, node, meta, ins[0], q, warnings);
    return;
  }
  const extra = low.args(node, mod) as Argument[];
  if (low.takes_qparams) {
    const inputs: Argument[] = row.inputs === 'list' ? [ins] : ins;
    const name = lowered_name(graph, node, meta, low.op);
    const lowered = graph.inserting_before(q, () =>
      // the output qparams stay the get_attr buffers the quantize read (torch: `layer1_relu2_scale_0`), so
      // they are in state_dict and the node list matches torch's
      graph.create_node('call_function', low.op, [...inputs, ...extra, q.args[1], q.args[2]], {}, name),
    );
    lowered.meta.qparams = qp;
    q.replace_all_uses_with(lowered);
    graph.erase_node(q);
    if (last !== node) graph.erase_node(last);
    graph.erase_node(node);
    return;
  }
  // the op keeps (share) or fixes its qparams: rewrite the node in place, so it keeps its name
  node.op = 'call_function';
  node.target = low.op;
  node.kwargs = {};
  node.args = row.inputs === 'list' ? [ins, ...extra] : [ins[0], ...extra];
  node.meta.qparams = row.inputs === 'list' ? ((ins[0].meta.qparams as NodeQParams | undefined) ?? qp) : qp;
  q.replace_all_uses_with(node);
  graph.erase_node(q);
}

/** Sets `out_clamp` on the int8 module of a fused op → clamp row from the clamp node `last` (see lower_static). */
function set_out_clamp(gm: GraphModule, q_mod: Module, row: QuantPatternRow, last: Node, qp: NodeQParams): void {
  const clamp_mod = last.op === 'call_module' ? gm.get_submodule(last.target) : null;
  const bounds = row.clamp?.(last, clamp_mod);
  const slots = q_mod as unknown as { out_clamp?: readonly [number, number] | null };
  if (!bounds || !('out_clamp' in slots))
    throw new Error(
      `convert_fx: node '${last.name}' (${row.name}): the clamp cannot become the output clamp of ${q_mod.constructor.name}`,
    );
  const [lo, hi] = clamp_to_levels(qp, bounds);
  // [0, 255] clamps nothing the requantization does not: keep the module as a plain one
  slots.out_clamp = lo === 0 && hi === 255 ? null : [lo, hi];
}

/**
 * An op whose int8 form sets its own output qparams (quantized.add_scalar / mul_scalar, as torch 1.13's
 * _lower_quantized_binary_op): `op(x_q, c)` replaces dequantize → op [→ relu] → quantize, the quantize's
 * qparams (the shared observer's) are dropped, and meta.qparams is what the kernel will produce for the
 * input's qparams, so remove_redundant_qdq keeps a requantize that is still needed.
 */
function lower_own_qparams(
  gm: GraphModule,
  node: Node,
  meta: QuantMeta,
  input: Node,
  q: Node,
  warnings: string[],
): void {
  const graph = gm.graph;
  const { row, last } = meta;
  const low = row.lowering as Extract<QuantPatternRow['lowering'], { kind: 'own_qparams' }>;
  const in_qp = input.meta.qparams as NodeQParams | undefined;
  if (!in_qp) {
    warnings.push(`node '${node.name}' (${row.name}): its input '${input.name}' has no known qparams; kept in float`);
    return;
  }
  const extra = low.args(node) as Argument[];
  const own = low.out_qparams(in_qp, extra);
  const name = lowered_name(graph, node, meta, low.op);
  const lowered = graph.inserting_before(q, () =>
    graph.create_node('call_function', low.op, [input, ...extra], {}, name),
  );
  lowered.meta.qparams = { scale: own.scale, zero_point: own.zero_point, dtype: in_qp.dtype } satisfies NodeQParams;
  q.replace_all_uses_with(lowered);
  graph.erase_node(q);
  if (last !== node) graph.erase_node(last);
  graph.erase_node(node);
}

/**
 * A module called at several sites (one float module, two call_module nodes) becomes one int8 module per
 * site: each site has its own output qparams, and swapping the first would leave the next without its float
 * weight. Later sites get a copy of the observed float module at `<target>_<k>` (torch 1.13 instead lets the
 * last site's qparams overwrite the first's).
 */
function unshare_swapped_modules(gm: GraphModule): void {
  const seen = new Set<string>();
  const paths = new Set([...gm.named_modules()].map(([p]) => p));
  for (const node of gm.graph.nodes) {
    if (node.op !== 'call_module') continue;
    const meta = node.meta.quant as QuantMeta | undefined;
    if (!node.meta.dynamic && meta?.row.lowering.kind !== 'module') continue;
    if (!seen.has(node.target)) {
      seen.add(node.target);
      continue;
    }
    let k = 1;
    while (paths.has(`${node.target}_${k}`)) k++;
    const path = `${node.target}_${k}`;
    gm.add_submodule(path, deepcopy(gm.get_submodule(node.target)));
    paths.add(path);
    node.target = path;
  }
}

/** Lowers every matched pattern of gm (see the header); appends "kept in float" notes to `warnings`. */
export function lower_to_int8(gm: GraphModule, warnings: string[] = []): GraphModule {
  unshare_swapped_modules(gm);
  for (const node of gm.graph.nodes) {
    if (node._erased) continue;
    const dyn = node.meta.dynamic as DynamicPatternRow | undefined;
    if (dyn && node.op === 'call_module') {
      const mod = gm.get_submodule(node.target);
      (mod as unknown as Slots).qconfig = node.meta.qconfig;
      gm.set_submodule(node.target, dyn.quantized.from_float(mod));
      continue;
    }
    const meta = node.meta.quant as QuantMeta | undefined;
    if (meta) lower_static(gm, node, meta, warnings);
  }
  gm.recompile();
  return gm;
}
