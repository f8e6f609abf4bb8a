/**
 * The fusion rule table (torch.ao.quantization.fuser_method_mappings): a sequence of module types,
 * in forward order, → the fuser method that builds the fused module. One table, data only; eager
 * fuse_modules looks module types up in it and the FX fuse pass (passes/fusion_patterns.ts) turns
 * each row into a graph pattern.
 */
import * as nni from '../nn/intrinsic/fused.js';
import { ReLU } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { type _BatchNorm, BatchNorm1d, BatchNorm2d } from '../nn/layers/normalization.js';
import type { Module } from '../nn/module.js';
import { fuse_conv_bn_eval, fuse_linear_bn_eval } from '../nn/utils/fusion.js';

// biome-ignore lint/suspicious/noExplicitAny: a module class of any constructor signature
export type ModuleClass = abstract new (...args: any[]) => Module;

/**
 * Builds the fused module from the matched modules (forward order). is_qat: keep BatchNorm live
 * (ConvBn2d, …) for quantization-aware training; otherwise fold it into the weights (eval only).
 */
export type FuserMethod = (is_qat: boolean, ...mods: Module[]) => Module;

function check_same_mode(mods: Module[], where: string): void {
  if (mods.some((m) => m.training !== mods[0].training)) {
    const modes = mods.map((m) => `${m.constructor.name}.training=${m.training}`).join(', ');
    throw new Error(`${where}: Conv/Linear and BN both must be in the same mode (train or eval); got ${modes}`);
  }
}

function check_bn_for_qat(out: number, bn: _BatchNorm, what: string, where: string): void {
  if (bn.num_features !== out)
    throw new Error(
      `${where}: Output channel of ${what} (${out}) must match num_features of ${bn.constructor.name} (${bn.num_features})`,
    );
  if (!bn.affine) throw new Error(`${where}: Only support fusing ${bn.constructor.name} with affine set to True`);
  if (!bn.track_running_stats)
    throw new Error(`${where}: Only support fusing ${bn.constructor.name} with tracking_running_stats set to True`);
}

/** torch's fuse_conv_bn: eval → a Conv2d with BN folded in; QAT → nni.ConvBn2d(conv, bn). */
export function fuse_conv_bn(is_qat: boolean, conv: Module, bn: Module): Module {
  const c = conv as Conv2d;
  const b = bn as BatchNorm2d;
  check_same_mode([c, b], 'fuse_conv_bn');
  if (!is_qat) return fuse_conv_bn_eval(c, b);
  check_bn_for_qat(c.out_channels, b, 'Conv2d', 'fuse_conv_bn');
  return new nni.ConvBn2d(c, b);
}

/** torch's fuse_conv_bn_relu: eval → nni.ConvReLU2d(folded conv, relu); QAT → nni.ConvBnReLU2d(conv, bn, relu). */
export function fuse_conv_bn_relu(is_qat: boolean, conv: Module, bn: Module, relu: Module): Module {
  const c = conv as Conv2d;
  const b = bn as BatchNorm2d;
  check_same_mode([c, b, relu], 'fuse_conv_bn_relu');
  if (!is_qat) return new nni.ConvReLU2d(fuse_conv_bn_eval(c, b), relu as ReLU);
  check_bn_for_qat(c.out_channels, b, 'Conv2d', 'fuse_conv_bn_relu');
  return new nni.ConvBnReLU2d(c, b, relu as ReLU);
}

/** torch's fuse_linear_bn: eval → a Linear with BN folded in; QAT → nni.LinearBn1d(linear, bn). */
export function fuse_linear_bn(is_qat: boolean, linear: Module, bn: Module): Module {
  const l = linear as Linear;
  const b = bn as BatchNorm1d;
  check_same_mode([l, b], 'fuse_linear_bn');
  if (!is_qat) return fuse_linear_bn_eval(l, b);
  check_bn_for_qat(l.out_features, b, 'Linear', 'fuse_linear_bn');
  return new nni.LinearBn1d(l, b);
}

/** torch's _sequential_wrapper2: a fuser that just wraps the two modules in `cls`, in either mode. */
export function _sequential_wrapper2(cls: new (a: never, b: never) => Module): FuserMethod {
  const fuser: FuserMethod = (_is_qat, a, b) => new cls(a as never, b as never);
  Object.defineProperty(fuser, 'name', { value: `fuse_${cls.name}` });
  return fuser;
}

/** One row of the table: the module types, in forward order, and the fuser method. */
export interface FusionRule {
  types: readonly ModuleClass[];
  fuser_method: FuserMethod;
}

/**
 * torch's _DEFAULT_OP_LIST_TO_FUSER_METHOD, restricted to the 2-d / linear layers fxq has.
 * Longer patterns come first so a matcher trying rows in order prefers conv-bn-relu to conv-bn.
 */
export const DEFAULT_OP_LIST_TO_FUSER_METHOD: readonly FusionRule[] = [
  { types: [Conv2d, BatchNorm2d, ReLU], fuser_method: fuse_conv_bn_relu },
  { types: [Conv2d, BatchNorm2d], fuser_method: fuse_conv_bn },
  { types: [Conv2d, ReLU], fuser_method: _sequential_wrapper2(nni.ConvReLU2d) },
  { types: [Linear, BatchNorm1d], fuser_method: fuse_linear_bn },
  { types: [Linear, ReLU], fuser_method: _sequential_wrapper2(nni.LinearReLU) },
  { types: [BatchNorm2d, ReLU], fuser_method: _sequential_wrapper2(nni.BNReLU2d) },
];

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
