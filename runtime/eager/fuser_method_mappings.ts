/**
 * The fusion rule table (torch.ao.quantization.fuser_method_mappings): a sequence of module types,
 * in forward order, → the fuser method that builds the fused module. One table, data only; eager
 * fuse_modules looks module types up in it and the FX fuse pass (compiler/passes/fusion_patterns.ts) turns
 * each row into a graph pattern. The rows and fuser methods live in runtime/quantized/op_catalogue.
 */
import {
  _sequential_wrapper2,
  FUSION_RULES,
  type FuserMethod,
  type FusionRule,
  fuse_conv_bn,
  fuse_conv_bn_relu,
  fuse_linear_bn,
  type ModuleClass,
} from '../quantized/op_catalogue/index.js';

export type { FuserMethod, FusionRule, ModuleClass };
export { _sequential_wrapper2, fuse_conv_bn, fuse_conv_bn_relu, fuse_linear_bn };

/**
 * torch's _DEFAULT_OP_LIST_TO_FUSER_METHOD, restricted to the 2-d / linear layers fxq has: derived from
 * the catalogue records' `fusions`. Longer patterns come first so a matcher trying rows in order prefers
 * conv-bn-relu to conv-bn.
 */
export const DEFAULT_OP_LIST_TO_FUSER_METHOD: readonly FusionRule[] = FUSION_RULES;

/** 'Conv2d → BatchNorm2d → ReLU'-style label of a type sequence. */
export function format_types(types: readonly { name: string }[]): string {
  return types.map((t) => t.name).join(' → ');
}

/** Every supported pattern, one per line, for error messages. */
export function supported_patterns(extra: readonly FusionRule[] = []): string {
  return [...extra, ...DEFAULT_OP_LIST_TO_FUSER_METHOD].map((r) => `  ${format_types(r.types)}`).join('\n');
}

/**
 * get_fuser_method(op_list, additional_fuser_method_mapping): the fuser for an exact sequence of
 * module classes (subclasses do not match, as torch compares type()), or null. Additional rows win.
 */
export function get_fuser_method(
  op_list: readonly ModuleClass[],
  additional_fuser_method_mapping: readonly FusionRule[] = [],
): FuserMethod | null {
  for (const rule of [...additional_fuser_method_mapping, ...DEFAULT_OP_LIST_TO_FUSER_METHOD]) {
    if (rule.types.length === op_list.length && rule.types.every((t, i) => t === op_list[i])) return rule.fuser_method;
  }
  return null;
}
