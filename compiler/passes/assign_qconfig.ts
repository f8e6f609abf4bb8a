/**
 * Contract: assign_qconfig(gm, mapping) — sets node.meta.qconfig (QConfig | null) on every call_module,
 * call_function and call_method node from the qconfig mapping, with torch 1.13's precedence
 * (runtime/quant/qconfig_resolve.ts); does not change the graph.
 *
 *   call_module 'layer1.conv1' (ConvReLU2d)  → resolve_module_qconfig(mapping, 'layer1.conv1', ConvReLU2d)
 *   call_function 'add' in scope 'layer1'    → resolve_function_qconfig(mapping, 'add', 'layer1', BasicBlock, ordinal)
 *
 * A fused module (nn.intrinsic ConvReLU2d, …) with no object_type entry of its own takes the entry of its
 * first child's class, so object_type [[nn.Conv2d, q]] still reaches conv-relu pairs after fusion (torch
 * propagates qconfigs to fused modules the same way). Function scopes come from node.meta.scope.
 */

import { _FusedModule } from '../../runtime/nn/intrinsic/fused.js';
import type { Module } from '../../runtime/nn/module.js';
import { is_activation_post_process } from '../../runtime/quant/qconfig.js';
import type { ObjectType, QConfigAny, QConfigMapping } from '../../runtime/quant/qconfig_mapping.js';
import { object_type_key } from '../../runtime/quant/qconfig_mapping.js';
import {
  resolve_function_qconfig,
  resolve_method_qconfig,
  resolve_module_qconfig,
} from '../../runtime/quant/qconfig_resolve.js';
import type { GraphModule } from '../ir/graph_module.js';
import type { Node } from '../ir/node.js';

type Scope = [string, ObjectType];

/** The class a module's qconfig is looked up by (see the header for fused modules). */
function qconfig_type(mapping: QConfigMapping, mod: Module): ObjectType {
  const own = mod.constructor as ObjectType;
  if (!(mod instanceof _FusedModule) || mapping.object_type_qconfigs.has(object_type_key(own))) return own;
  const first = (mod as unknown as Record<string, unknown>)['0'];
  return first && typeof first === 'object' ? ((first as Module).constructor as ObjectType) : own;
}

/** The qconfig of one node (undefined for placeholders, get_attr, output and observers). */
export function node_qconfig(
  gm: GraphModule,
  mapping: QConfigMapping,
  node: Node,
  ordinals: Map<string, number> = new Map(),
): QConfigAny | undefined {
  if (node.op === 'call_module') {
    const mod = gm.get_submodule(node.target);
    if (is_activation_post_process(mod)) return undefined;
    return resolve_module_qconfig(mapping, node.target, qconfig_type(mapping, mod));
  }
  if (node.op !== 'call_function' && node.op !== 'call_method') return undefined;
  const [path, type] = (node.meta.scope as Scope | undefined) ?? ['', undefined];
  if (node.op === 'call_method') return resolve_method_qconfig(mapping, node.target, path, type);
  // module_name_object_type_order counts calls of one function inside one module, in graph order
  const key = `${path}\u0000${node.target}`;
  const ordinal = ordinals.get(key) ?? 0;
  ordinals.set(key, ordinal + 1);
  return resolve_function_qconfig(mapping, node.target, path, type, ordinal);
}

/** Sets node.meta.qconfig on every op node of gm (see the header); returns gm. */
export function assign_qconfig(gm: GraphModule, mapping: QConfigMapping): GraphModule {
  const ordinals = new Map<string, number>();
  for (const node of gm.graph.nodes) {
    const q = node_qconfig(gm, mapping, node, ordinals);
    if (q !== undefined) node.meta.qconfig = q;
  }
  return gm;
}
