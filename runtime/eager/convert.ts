/**
 * Eager convert (torch.ao.quantization.convert): every module with a qconfig whose exact class is in the
 * mapping is replaced by `target.from_float(module)` — observed float / QAT modules become int8 modules
 * reading their observers' qparams — then qconfigs and leftover observers are removed.
 */

import { _FusedModule } from '../nn/intrinsic/fused.js';
import type { Module } from '../nn/module.js';
import { is_qat_module } from '../nn/qat/mappings.js';
import { deepcopy } from '../nn/utils/deepcopy.js';
import { remove_activation_post_process } from './observer_hooks.js';
import { module_qconfig } from './propagate_qconfig.js';
import {
  get_default_static_quant_module_mappings,
  type ModuleClass,
  type ModuleMapping,
} from './quantization_mappings.js';

type Slots = Record<string, unknown>;

/** torch's swap_module: `mapping[type(mod)].from_float(mod)` when mod has a qconfig, else mod itself. */
export function swap_module(mod: Module, mapping: ModuleMapping, path = ''): Module {
  if (!module_qconfig(mod)) return mod;
  const target = mapping.get(mod.constructor as ModuleClass);
  if (!target) return mod;
  try {
    return target.from_float(mod);
  } catch (e) {
    throw new Error(
      `convert: swapping '${path || '<root>'}' (${mod.constructor.name}) for ${target.name}: ${(e as Error).message}`,
    );
  }
}

/**
 * torch's _convert (in place): children first, then the child itself is swapped. Fused modules and
 * modules the mapping will replace are swapped as one unit (their parts are not visited).
 */
export function _swap_modules(module: Module, mapping: ModuleMapping, prefix = ''): void {
  const reassign: [string, Module][] = [];
  for (const [name, child] of module.named_children()) {
    const path = prefix ? `${prefix}.${name}` : name;
    const swapped_whole =
      child instanceof _FusedModule || (mapping.has(child.constructor as ModuleClass) && module_qconfig(child));
    if (!swapped_whole) _swap_modules(child, mapping, path);
    const out = swap_module(child, mapping, path);
    if (out !== child) reassign.push([name, out]);
  }
  for (const [name, m] of reassign) module.add_module(name, m);
}

/** torch's _remove_qconfig: drops `qconfig` and prepare's observers (not fake-quant internals) everywhere. */
export function _remove_qconfig(module: Module): void {
  for (const m of module.modules()) {
    remove_activation_post_process(m);
    if ('qconfig' in m) delete (m as unknown as Slots).qconfig;
  }
}

/** Keyword options of convert (torch's names). */
export interface ConvertOptions {
  mapping?: ModuleMapping | null;
  inplace?: boolean;
  remove_qconfig?: boolean;
}

/**
 * A QAT module still in training mode would be converted with BatchNorm statistics and fake-quant
 * qparams that the next training step changes: refuse, and say what convert does.
 */
function check_qat_eval(model: Module, mapping: ModuleMapping): void {
  for (const [path, m] of model.named_modules()) {
    if (m.training && is_qat_module(m) && module_qconfig(m) && mapping.has(m.constructor as ModuleClass)) {
      throw new Error(
        `convert: QAT module '${path || '<root>'}' (${m.constructor.name}) is in training mode; call model.eval() before convert. convert freezes the trained model into int8 for inference: BatchNorm is folded into the weights with its running statistics and the fake-quant scales / zero points become the int8 qparams, so training must be finished.`,
      );
    }
  }
}

/**
 * convert(model, mapping?, inplace=false), convert(model, inplace) — torch's convert(model, inplace=True),
 * as prepare(model, true) — or convert(model, {mapping, inplace, remove_qconfig}): swaps observed float and
 * QAT modules for int8 modules (default: the static mapping) and removes qconfigs and observers. Returns
 * the converted model (a copy unless inplace; a root module that is itself swapped is a new module).
 */
export function convert<M extends Module>(
  model: M,
  mapping_or_options: ModuleMapping | ConvertOptions | boolean | null = null,
  inplace = false,
): M {
  const opts: ConvertOptions =
    typeof mapping_or_options === 'boolean'
      ? { inplace: mapping_or_options }
      : mapping_or_options instanceof Map
        ? { mapping: mapping_or_options, inplace }
        : { inplace, ...(mapping_or_options ?? {}) };
  const mapping = opts.mapping ?? get_default_static_quant_module_mappings();
  check_qat_eval(model, mapping);
  const target = opts.inplace ? model : deepcopy(model);
  const root = swap_module(target, mapping);
  if (root !== target) {
    if (opts.remove_qconfig ?? true) _remove_qconfig(root);
    return root as M;
  }
  _swap_modules(target, mapping);
  if (opts.remove_qconfig ?? true) _remove_qconfig(target);
  return target;
}
