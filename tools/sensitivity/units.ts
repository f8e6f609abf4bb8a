/**
 * The units a precision search can keep in float. Keeping every Conv2d/Linear float is not enough: the
 * functional ops between them (a residual `add`, fused with the next relu into add_relu) and re-quantizing
 * modules (avgpool after an add) still round activations to the quantized grid — with 4-bit activations
 * FmnistResNet stays ~3 pp short even with all ten weighted layers float. So besides module paths, a
 * unit can name one call of a function inside a module, `scope:fn:index` (index counts calls of fn in
 * that module), which maps to PyTorch's `module_name_object_type_order` entry `[scope, fn, index, qconfig]`.
 */

import type { Node } from '../../compiler/ir/node.js';
import { symbolic_trace } from '../../compiler/trace/symbolic_trace.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { BatchNorm2d } from '../../runtime/nn/layers/normalization.js';
import { RNNBase } from '../../runtime/nn/layers/rnn.js';
import type { Module } from '../../runtime/nn/module.js';
import type { QConfig } from '../../runtime/quant/qconfig.js';
import { REQUANTIZING_FUNCTIONS } from '../../runtime/quantized/op_catalogue/index.js';

/** Modules the tools treat as one quantizable layer (BatchNorm/ReLU fuse into them). */
export function is_quantizable_layer(m: Module): boolean {
  return m instanceof Conv2d || m instanceof Linear || m instanceof RNNBase;
}

/** Functions whose int8 versions re-quantize their output (so keeping them float can matter): from the op catalogue. */
export { REQUANTIZING_FUNCTIONS };

/** A `scope:fn:index` unit, parsed; null for a module path. */
export function parse_function_unit(unit: string): { scope: string; fn: string; index: number } | null {
  const m = /^([\w.]*):(\w+):(\d+)$/.exec(unit);
  return m ? { scope: m[1], fn: m[2], index: Number(m[3]) } : null;
}

/** The qconfig_dict entries giving each unit `qconfig` (module_name and module_name_object_type_order). */
export function unit_entries(
  units: readonly string[],
  qconfig: QConfig | null,
): {
  module_name: [string, QConfig | null][];
  module_name_object_type_order: [string, string, number, QConfig | null][];
} {
  const module_name: [string, QConfig | null][] = [];
  const order: [string, string, number, QConfig | null][] = [];
  for (const u of units) {
    const f = parse_function_unit(u);
    if (f) order.push([f.scope, f.fn, f.index, qconfig]);
    else module_name.push([u, qconfig]);
  }
  return { module_name, module_name_object_type_order: order };
}

function scope_of(n: Node): string {
  const stack = n.meta.nn_module_stack as [string, unknown][] | undefined;
  return stack?.[stack.length - 1]?.[0] ?? '';
}

/**
 * Units of a model, in graph order: each quantizable layer, each call of a re-quantizing function
 * (`scope:fn:index`), and each other leaf module that does not just follow a quantizable layer
 * (a relu after an add, a pool) — those fused into a conv/linear pattern take that layer's qconfig.
 */
export function precision_units(model: Module): string[] {
  const gm = symbolic_trace(model);
  const units: string[] = [];
  const counts = new Map<string, number>();
  const follows_layer = (n: Node | undefined): boolean => {
    while (n?.op === 'call_module') {
      const m = gm.get_submodule(n.target);
      if (is_quantizable_layer(m)) return true;
      if (!(m instanceof BatchNorm2d) && m.constructor.name !== 'ReLU') return false;
      n = n.all_input_nodes[0];
    }
    return false;
  };
  for (const n of gm.graph.nodes) {
    if (n.op === 'call_module') {
      const m = gm.get_submodule(n.target);
      if (is_quantizable_layer(m)) units.push(n.target);
      else if (!(m instanceof BatchNorm2d) && !follows_layer(n.all_input_nodes[0])) units.push(n.target);
    } else if (n.op === 'call_function') {
      const fn = n.target.replace(/^.*\./, '');
      if (!REQUANTIZING_FUNCTIONS.has(fn)) continue;
      const scope = scope_of(n);
      const key = `${scope}:${fn}`;
      const index = counts.get(key) ?? 0;
      counts.set(key, index + 1);
      units.push(`${key}:${index}`);
    }
  }
  return units;
}
