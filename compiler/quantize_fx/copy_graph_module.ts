/**
 * A deep copy of a (prepared) GraphModule: the submodules, root parameters and buffers deep-copied in one go (shared
 * observers stay shared), the graph rebuilt node by node (a generic deepcopy would recurse along the
 * node list and overflow the stack on large graphs), node.meta copied with node references remapped.
 */
import { Module } from '../../runtime/nn/module.js';
import type { Parameter } from '../../runtime/nn/parameter.js';
import { deepcopy } from '../../runtime/nn/utils/deepcopy.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { Graph } from '../ir/graph.js';
import { GraphModule } from '../ir/graph_module.js';
import type { Node } from '../ir/node.js';

/** Copies gm (see the header); `training` and preserved plain attributes are not copied. */
export function copy_graph_module(gm: GraphModule): GraphModule {
  const persistent = new Set(Object.keys(gm.state_dict()));
  const state = deepcopy({
    children: Object.fromEntries(gm.named_children()),
    buffers: Object.fromEntries(gm.named_buffers('', false)),
    // the root's own parameters (a ViT's cls_token / pos_embed, read by get_attr nodes)
    parameters: Object.fromEntries(gm.named_parameters('', false)),
  }) as { children: Record<string, Module>; buffers: Record<string, Tensor>; parameters: Record<string, Parameter> };
  const root = new Module();
  for (const [k, m] of Object.entries(state.children)) root.add_module(k, m);
  for (const [k, p] of Object.entries(state.parameters)) root.register_parameter(k, p);
  const extra: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(state.buffers)) {
    if (persistent.has(k)) root.register_buffer(k, t);
    else extra[k] = t;
  }
  const graph = new Graph();
  const { remap, output } = graph.graph_copy(gm.graph);
  graph.output(output);
  for (const [old, copy] of remap) {
    const quant = old.meta.quant as { last?: Node } | undefined;
    if (quant?.last) copy.meta.quant = { ...quant, last: remap.get(quant.last) };
  }
  const out = new GraphModule(root, graph, gm.class_name, extra);
  out.training = gm.training;
  return out;
}
