/**
 * propagate_qconfig_ (torch.ao.quantization.quantize): gives every module a `qconfig` attribute, from
 * (in increasing priority) its parent, its class in qconfig_dict, its qualified name in qconfig_dict,
 * and a qconfig already set on the module itself (null switches quantization off for a subtree).
 */
import type { Module } from '../nn/module.js';
import { is_qconfig, type QConfig } from '../quant/qconfig.js';
import type { ModuleClass } from './quantization_mappings.js';

type Slots = Record<string, unknown>;

/** Eager qconfig_dict: module class or qualified name → qconfig (null: leave float). */
export type EagerQConfigDict = Map<ModuleClass | string, QConfig | null> | Record<string, QConfig | null>;

/** The qconfig attribute of a module: undefined when never set, null when explicitly none. */
export function module_qconfig(m: Module): QConfig | null | undefined {
  return (m as unknown as Slots).qconfig as QConfig | null | undefined;
}

function lookup(dict: EagerQConfigDict, key: ModuleClass | string): QConfig | null | undefined {
  if (dict instanceof Map) return dict.has(key) ? dict.get(key) : undefined;
  return typeof key === 'string' && Object.hasOwn(dict, key) ? dict[key] : undefined;
}

function check_qconfig(q: unknown, where: string): void {
  if (q !== null && q !== undefined && !is_qconfig(q))
    throw new Error(
      `propagate_qconfig_: qconfig for ${where} must be a QConfig (activation and weight factories) or null, got ${String(q)}`,
    );
}

function helper(m: Module, dict: EagerQConfigDict, parent: QConfig | null, prefix: string): void {
  let q: QConfig | null | undefined = parent;
  const by_type = lookup(dict, m.constructor as ModuleClass);
  if (by_type !== undefined) q = by_type;
  const by_name = lookup(dict, prefix);
  if (by_name !== undefined) q = by_name;
  const own = module_qconfig(m);
  if (own !== undefined) q = own;
  const where = `'${prefix || '<root>'}' (${m.constructor.name})`;
  check_qconfig(q, where);
  (m as unknown as Slots).qconfig = q ?? null;
  for (const [name, child] of m.named_children()) {
    helper(child, dict, q ?? null, prefix ? `${prefix}.${name}` : name);
  }
}

/**
 * propagate_qconfig_(module, qconfig_dict?): sets `qconfig` on the module and every descendant in place
 * (null where nothing applies). qconfig_dict keys: module classes or qualified names ('' is the root).
 */
export function propagate_qconfig_(module: Module, qconfig_dict: EagerQConfigDict = new Map()): void {
  if (!(qconfig_dict instanceof Map) && (qconfig_dict === null || typeof qconfig_dict !== 'object'))
    throw new Error('propagate_qconfig_: qconfig_dict must be a Map or an object of module name → qconfig');
  helper(module, qconfig_dict, null, '');
}
