/**
 * Resolving the qconfig of one module / function / method call, with PyTorch 1.13's precedence
 * (torch/ao/quantization/fx/qconfig_utils.py, generate_node_name_to_qconfig):
 * module_name_object_type_order > module_name (walking up to parents) > module_name_regex (first match,
 * anchored at the start like re.match) > object_type > global. The FX prepare pass calls these per node.
 */
import { Module } from '../nn/module.js';
import {
  type ObjectType,
  object_type_key,
  type QConfigAny,
  type QConfigDict,
  type QConfigMapping,
  to_qconfig_mapping,
} from './qconfig_mapping.js';

/** A class (by syntax) or a Module subclass (even if transpiled to a function). */
function is_module_type(t: ObjectType): boolean {
  if (typeof t !== 'function') return false;
  return (
    /^class[\s{]/.test(Function.prototype.toString.call(t)) ||
    (t as { prototype?: unknown }).prototype instanceof Module
  );
}

function parent_name(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(0, dot);
}

function object_type_qconfig(m: QConfigMapping, t: ObjectType | undefined, fallback: QConfigAny): QConfigAny {
  if (t === undefined) return fallback;
  const key = object_type_key(t);
  return m.object_type_qconfigs.has(key) ? (m.object_type_qconfigs.get(key) as QConfigAny) : fallback;
}

function module_name_regex_qconfig(m: QConfigMapping, module_name: string, fallback: QConfigAny): QConfigAny {
  for (const [pattern, q] of m.module_name_regex_qconfigs) {
    // Python's re.match: the match must start at position 0 (but need not end at the end)
    const re = new RegExp(pattern, 'y');
    if (re.test(module_name)) return q;
  }
  return fallback;
}

function module_name_qconfig(m: QConfigMapping, module_name: string, fallback: QConfigAny): QConfigAny {
  let name = module_name;
  while (name !== '') {
    if (m.module_name_qconfigs.has(name)) return m.module_name_qconfigs.get(name) as QConfigAny;
    name = parent_name(name);
  }
  return fallback;
}

/** torch's maybe_adjust_qconfig_for_module_type_or_name: module_name > regex > object_type > fallback. */
export function qconfig_for_type_or_name(
  mapping: QConfigMapping,
  object_type: ObjectType | undefined,
  module_name: string,
  fallback: QConfigAny,
): QConfigAny {
  const by_type = object_type_qconfig(mapping, object_type, fallback);
  const by_regex = module_name_regex_qconfig(mapping, module_name, by_type);
  return module_name_qconfig(mapping, module_name, by_regex);
}

function order_qconfig(
  m: QConfigMapping,
  module_path: string,
  t: ObjectType,
  index: number | undefined,
  fallback: QConfigAny,
): QConfigAny {
  if (index === undefined) return fallback;
  const key = object_type_key(t);
  for (const e of m.module_name_object_type_order_qconfigs.values()) {
    if (e.module_name === module_path && e.object_type === key && e.index === index) return e.qconfig;
  }
  return fallback;
}

/**
 * qconfig of a call_module node: `module_name` is the module's qualified name, `module_type` its class;
 * `ordinal` (0-based) counts the calls of this type inside the parent module, for module_name_object_type_order.
 */
export function resolve_module_qconfig(
  mapping: QConfigMapping | QConfigDict,
  module_name: string,
  module_type: ObjectType,
  ordinal?: number,
): QConfigAny {
  const m = to_qconfig_mapping(mapping);
  const q = qconfig_for_type_or_name(m, module_type, module_name, m.global_qconfig);
  return order_qconfig(m, parent_name(module_name), module_type, ordinal, q);
}

/**
 * qconfig of a call_function node: `fn` the op (function or registered name), `scope_path` / `scope_type`
 * the enclosing module (its type qconfig wins over the function's, as torch does); `ordinal` counts
 * calls of `fn` inside that module.
 */
export function resolve_function_qconfig(
  mapping: QConfigMapping | QConfigDict,
  fn: ObjectType,
  scope_path: string,
  scope_type?: ObjectType,
  ordinal?: number,
): QConfigAny {
  const m = to_qconfig_mapping(mapping);
  const fn_q = object_type_qconfig(m, fn, m.global_qconfig);
  const q = qconfig_for_type_or_name(m, scope_type, scope_path, fn_q);
  return order_qconfig(m, scope_path, fn, ordinal, q);
}

/** qconfig of a call_method node ('reshape', …): the method name's entry, then the enclosing module's. */
export function resolve_method_qconfig(
  mapping: QConfigMapping | QConfigDict,
  method: string,
  scope_path: string,
  scope_type?: ObjectType,
): QConfigAny {
  const m = to_qconfig_mapping(mapping);
  const q = qconfig_for_type_or_name(m, method, scope_path, m.global_qconfig);
  return qconfig_for_type_or_name(m, scope_type, scope_path, q);
}

/**
 * The resolver the FX passes call. A class (module type) resolves as a call_module named `module_name`;
 * a function or name string resolves as a call inside the module at `module_name`. `ordinal` enables
 * module_name_object_type_order matching.
 */
export function get_qconfig(
  mapping: QConfigMapping | QConfigDict,
  module_name: string,
  module_type_or_fn: ObjectType,
  ordinal?: number,
): QConfigAny {
  if (is_module_type(module_type_or_fn)) {
    return resolve_module_qconfig(mapping, module_name, module_type_or_fn, ordinal);
  }
  return resolve_function_qconfig(mapping, module_type_or_fn, module_name, undefined, ordinal);
}
