/**
 * Eager prepare and prepare_qat (torch.ao.quantization.quantize): qconfigs propagated down the tree, an
 * output observer (qconfig.activation()) on every leaf module of a quantizable class, and for QAT the
 * float modules swapped for their QAT versions first (fake-quantized weights, live BatchNorm).
 */

import { Sequential } from '../nn/containers.js';
import { _FusedModule } from '../nn/intrinsic/fused.js';
import { Dropout } from '../nn/layers/misc.js';
import type { Module } from '../nn/module.js';
import { deepcopy } from '../nn/utils/deepcopy.js';
import { _swap_modules } from './convert.js';
import { insert_activation_post_process } from './observer_hooks.js';
import { type EagerQConfigDict, module_qconfig, propagate_qconfig_ } from './propagate_qconfig.js';
import {
  get_default_qat_module_mappings,
  get_default_static_quant_module_mappings,
  type ModuleClass,
  type ModuleMapping,
} from './quantization_mappings.js';

/** Keyword options of prepare (torch's names). */
export interface PrepareOptions {
  /** Mutate `model` itself; false (default) prepares a deep copy. */
  inplace?: boolean;
  /** Classes observed as leaves (default: every class of the default mappings). */
  allow_list?: Set<ModuleClass>;
  /** Classes observed as a unit even though they have children (prepare_qat passes the QAT classes). */
  observer_non_leaf_module_list?: Set<ModuleClass>;
  /** fxq extra: applied by propagate_qconfig_ before observers are attached (module class or name → qconfig). */
  qconfig_dict?: EagerQConfigDict;
}

function needs_observation(m: Module): boolean {
  return !!module_qconfig(m);
}

function is_leaf(m: Module): boolean {
  for (const _ of m.children()) return false;
  return true;
}

/** torch's _add_observer_: observers on leaves of allowed classes, on fused modules and on non-leaf listed classes. */
function add_observer_(module: Module, allow: Set<ModuleClass>, non_leaf: Set<ModuleClass> | undefined): void {
  for (const [, child] of module.named_children()) {
    const cls = child.constructor as ModuleClass;
    if (cls === Dropout) continue;
    if (child instanceof _FusedModule) {
      if (needs_observation(child) && allow.has(cls)) insert_activation_post_process(child, module_qconfig(child)!);
    } else if (non_leaf?.has(cls)) {
      if (needs_observation(child)) insert_activation_post_process(child, module_qconfig(child)!);
    } else {
      add_observer_(child, allow, non_leaf);
    }
  }
  const cls = module.constructor as ModuleClass;
  if (is_leaf(module) && !(module instanceof Sequential) && allow.has(cls) && needs_observation(module)) {
    // DeQuantStub's output is float: torch inserts no observer there
    if (cls.name !== 'DeQuantStub') insert_activation_post_process(module, module_qconfig(module)!);
  }
}

/**
 * The classes prepare observes by default: the static and QAT mapping keys. torch passes its whole
 * propagation list, dynamic-only classes included, but an RNN's output is a tuple no observer can take,
 * and static convert has no int8 module for it anyway.
 */
function default_observed_classes(): Set<ModuleClass> {
  return new Set<ModuleClass>([
    ...get_default_static_quant_module_mappings().keys(),
    ...get_default_qat_module_mappings().keys(),
  ]);
}

function inplace_of(arg: boolean | PrepareOptions | undefined): PrepareOptions {
  return typeof arg === 'boolean' ? { inplace: arg } : (arg ?? {});
}

/**
 * prepare(model, inplace=false | {inplace, allow_list, observer_non_leaf_module_list}): propagates
 * qconfigs (model.qconfig and submodules' own) and attaches output observers for calibration. Returns
 * the prepared model (a copy unless inplace). A model where no module has a qconfig is an error.
 */
export function prepare<M extends Module>(model: M, inplace_or_options?: boolean | PrepareOptions): M {
  const options = inplace_of(inplace_or_options);
  const target = options.inplace ? model : deepcopy(model);
  propagate_qconfig_(target, options.qconfig_dict);
  let any = false;
  for (const m of target.modules()) if (needs_observation(m)) any = true;
  if (!any)
    throw new Error(
      `prepare: no module of ${model.constructor.name} has a qconfig, so nothing would be observed or quantized; set model.qconfig = get_default_qconfig('qnnpack') (or .qconfig on the submodules to quantize) before prepare`,
    );
  add_observer_(target, options.allow_list ?? default_observed_classes(), options.observer_non_leaf_module_list);
  return target;
}

/** Keyword options of prepare_qat. */
export interface PrepareQatOptions {
  mapping?: ModuleMapping;
  inplace?: boolean;
}

/**
 * prepare_qat(model, mapping?, inplace=false) — or prepare_qat(model, {mapping, inplace}): for a model in
 * train mode with qconfigs (get_default_qat_qconfig), swaps float (fused) modules for their QAT versions
 * (default mapping: get_default_qat_module_mappings()), then attaches fake-quant output observers.
 */
export function prepare_qat<M extends Module>(
  model: M,
  mapping_or_options: ModuleMapping | PrepareQatOptions | boolean | null = null,
  inplace = false,
): M {
  const opts: PrepareQatOptions =
    mapping_or_options instanceof Map
      ? { mapping: mapping_or_options, inplace }
      : typeof mapping_or_options === 'boolean'
        ? { inplace: mapping_or_options }
        : { inplace, ...(mapping_or_options ?? {}) };
  if (!model.training)
    throw new Error(
      `prepare_qat: ${model.constructor.name} is in eval mode; prepare_qat only works on models in training mode (call model.train() first)`,
    );
  const mapping = opts.mapping ?? (get_default_qat_module_mappings() as unknown as ModuleMapping);
  const target = opts.inplace ? model : deepcopy(model);
  propagate_qconfig_(target);
  _swap_modules(target, mapping);
  return prepare(target, {
    inplace: true,
    observer_non_leaf_module_list: new Set(mapping.values() as Iterable<ModuleClass>),
  });
}
