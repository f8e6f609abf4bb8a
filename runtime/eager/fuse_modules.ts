/**
 * Eager-mode fusion (torch.ao.quantization.fuse_modules / fuse_modules_qat): each listed group of
 * submodules is replaced by the fused module at the first name and nn.Identity at the others.
 */
import { Identity } from '../nn/containers.js';
import { Module } from '../nn/module.js';
import { deepcopy } from '../nn/utils/deepcopy.js';
import {
  type FusionRule,
  format_types,
  get_fuser_method,
  type ModuleClass,
  supported_patterns,
} from './fuser_method_mappings.js';

/** fuser_func's contract: the matched modules → the modules to put back at the same names. */
export type FuserFunc = (
  mod_list: Module[],
  is_qat: boolean,
  additional_fuser_method_mapping?: readonly FusionRule[],
) => Module[];

/** fuse_custom_config_dict: extra rows of the rule table (tried before the defaults). */
export interface FuseCustomConfigDict {
  additional_fuser_method_mapping?: readonly FusionRule[];
}

/** Keyword options of fuse_modules (torch's names). */
export interface FuseModulesOptions {
  /** Mutate `model` itself; false (default) fuses a deep copy and leaves `model` untouched. */
  inplace?: boolean;
  fuser_func?: FuserFunc;
  fuse_custom_config_dict?: FuseCustomConfigDict;
  /**
   * Keep BatchNorm live (ConvBn2d, …) rather than folding it. Default: the modules' own training
   * flag (train mode → QAT-style fused modules, eval → BN folded), as torch ≤ 1.10 decided.
   */
  is_qat?: boolean;
}

/**
 * fuse_known_modules(mod_list, is_qat, additional_fuser_method_mapping): looks the exact module
 * types up in the rule table and returns [fused, Identity, …] (identities share the first module's
 * training flag). Unknown sequences are an error listing the supported patterns.
 */
export function fuse_known_modules(
  mod_list: Module[],
  is_qat: boolean,
  additional_fuser_method_mapping: readonly FusionRule[] = [],
): Module[] {
  const types = mod_list.map((m) => m.constructor as ModuleClass);
  const fuser = get_fuser_method(types, additional_fuser_method_mapping);
  if (fuser === null) {
    throw new Error(
      `Cannot fuse modules: (${format_types(types)}) is not a fusable sequence; supported patterns:\n${supported_patterns(additional_fuser_method_mapping)}`,
    );
  }
  const fused = fuser(is_qat, ...mod_list);
  const out: Module[] = [fused];
  for (let i = 1; i < mod_list.length; i++) {
    const id = new Identity();
    id.training = mod_list[0].training;
    out.push(id);
  }
  return out;
}

function normalise_groups(modules_to_fuse: readonly string[] | readonly (readonly string[])[]): string[][] {
  if (!Array.isArray(modules_to_fuse) || modules_to_fuse.length === 0)
    throw new Error('fuse_modules: modules_to_fuse must be a non-empty list of names or of lists of names');
  if (modules_to_fuse.every((x) => typeof x === 'string')) return [[...(modules_to_fuse as string[])]];
  return modules_to_fuse.map((g, i) => {
    if (!Array.isArray(g) || !g.every((x) => typeof x === 'string'))
      throw new Error(
        `fuse_modules: modules_to_fuse[${i}] must be a list of submodule names, got ${JSON.stringify(g)}`,
      );
    return [...g];
  });
}

/** The submodule at a dotted name, or an error naming the group, the missing part and what exists. */
function find_module(model: Module, name: string, group: readonly string[]): Module {
  try {
    if (name === '') throw new Error('the empty name is the model itself');
    return model.get_submodule(name);
  } catch (e) {
    const available = [...model.named_modules()]
      .map(([p]) => p)
      .filter((p) => p !== '')
      .slice(0, 40);
    throw new Error(
      `fuse_modules: no submodule '${name}' in ${model.constructor.name} (group [${group.map((g) => `'${g}'`).join(', ')}]): ${(e as Error).message}; submodules: ${available.join(', ')}`,
    );
  }
}

function _fuse_modules(
  model: Module,
  modules_to_fuse: readonly string[] | readonly (readonly string[])[],
  qat_default: boolean | undefined,
  options: FuseModulesOptions,
): Module {
  const groups = normalise_groups(modules_to_fuse);
  const seen = new Map<string, number>();
  groups.forEach((g, gi) => {
    if (g.length < 2) throw new Error(`fuse_modules: group [${g.join(', ')}] needs at least two module names`);
    for (const name of g) {
      if (seen.has(name))
        throw new Error(
          `fuse_modules: '${name}' is listed twice (groups ${seen.get(name)} and ${gi}); a module fuses once`,
        );
      seen.set(name, gi);
    }
  });
  // resolve every name before anything is copied or changed, so a typo fails cleanly
  for (const g of groups) for (const name of g) find_module(model, name, g);
  const target = options.inplace ? model : deepcopy(model);
  const fuser_func = options.fuser_func ?? fuse_known_modules;
  const extra = options.fuse_custom_config_dict?.additional_fuser_method_mapping ?? [];
  // build every fused group first, then install: a bad group leaves an inplace model unchanged
  const planned: [string[], Module[]][] = groups.map((g) => {
    const mods = g.map((name) => find_module(target, name, g));
    const is_qat = options.is_qat ?? qat_default ?? mods[0].training;
    let out: Module[];
    try {
      out = fuser_func(mods, is_qat, extra);
    } catch (e) {
      throw new Error(`fuse_modules: group [${g.map((n) => `'${n}'`).join(', ')}]: ${(e as Error).message}`);
    }
    if (out.length !== g.length || !out.every((m) => m instanceof Module))
      throw new Error(
        `fuse_modules: fuser_func returned ${out.length} modules for the ${g.length} of group [${g.join(', ')}]`,
      );
    return [g, out];
  });
  for (const [g, out] of planned) {
    for (let i = 0; i < g.length; i++) target.set_submodule(g[i], out[i]);
  }
  return target;
}

/**
 * fuse_modules(model, modules_to_fuse, {inplace=false, fuser_func, fuse_custom_config_dict}):
 * fuses each group of submodule names (one group, or a list of groups) — conv-bn, conv-bn-relu,
 * conv-relu, linear-bn, linear-relu, bn-relu — returning the fused model (a copy unless inplace).
 * BatchNorm is folded in eval mode; in train mode the fused modules keep it live (ConvBn2d, …).
 */
export function fuse_modules<M extends Module>(
  model: M,
  modules_to_fuse: readonly string[] | readonly (readonly string[])[],
  options: FuseModulesOptions = {},
): M {
  return _fuse_modules(model, modules_to_fuse, undefined, options) as M;
}

/** fuse_modules_qat: as fuse_modules, but always the QAT fused modules (BatchNorm kept live). */
export function fuse_modules_qat<M extends Module>(
  model: M,
  modules_to_fuse: readonly string[] | readonly (readonly string[])[],
  options: FuseModulesOptions = {},
): M {
  return _fuse_modules(model, modules_to_fuse, true, options) as M;
}
