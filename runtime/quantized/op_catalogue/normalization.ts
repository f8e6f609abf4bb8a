/**
 * Catalogue records of GroupNorm and InstanceNorm, as torch 1.13's default backend config has them:
 * nn.InstanceNorm1d / 2d and F.instance_norm get an output observer of their own and lower to
 * nn.quantized.InstanceNorm* / quantized.instance_norm (SPECIAL_PATTERN_LOWER_MODULE_MAP, is_default_node);
 * F.group_norm is observed the same way but has no lowering in 1.13 (it stays float between dequantize and
 * quantize), and nn.GroupNorm is in neither table, so FX leaves it float and unobserved. Eager convert swaps
 * nn.GroupNorm for nn.quantized.GroupNorm (DEFAULT_STATIC_QUANT_MODULE_MAPPINGS).
 */
import { GroupNorm, InstanceNorm1d, InstanceNorm2d } from '../../nn/layers/group_norm.js';
import {
  GroupNorm as QGroupNorm,
  InstanceNorm1d as QInstanceNorm1d,
  InstanceNorm2d as QInstanceNorm2d,
} from '../modules/normalization.js';
import type { OpRecord, PatternNode } from './types.js';

/** F.instance_norm's weight, bias and eps (its options object, args[1]); running statistics are dropped as torch's lowering does. */
function instance_norm_args(n: PatternNode): unknown[] {
  const o = (typeof n.args[1] === 'object' && n.args[1] !== null ? n.args[1] : n.kwargs) as Record<string, unknown>;
  return [o.weight ?? null, o.bias ?? null, o.eps ?? 1e-5];
}

export const group_norm: OpRecord = {
  name: 'group_norm',
  semantics: 'y = (x − E[x]) / √(Var[x] + eps) · weight + bias over each group of channels',
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: [{ op: { function: 'F.group_norm' }, lowering: { kind: 'none' } }],
    },
  ],
  requantizes: true,
  eager_static: [{ name: 'nn.GroupNorm', float: GroupNorm, quantized: QGroupNorm }],
  saved: ['nn.quantized.GroupNorm', 'nn.GroupNorm'],
  example: { input: [2, 4, 3, 3], module: () => new GroupNorm(2, 4), args: [2] },
};

export const instance_norm: OpRecord = {
  name: 'instance_norm',
  semantics: 'y = (x − E[x]) / √(Var[x] + eps) · weight + bias over each (sample, channel) plane',
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: [
        {
          name: 'nn.InstanceNorm2d',
          op: { module: InstanceNorm2d },
          lowering: { kind: 'module', quantized: QInstanceNorm2d },
        },
        {
          name: 'nn.InstanceNorm1d',
          op: { module: InstanceNorm1d },
          lowering: { kind: 'module', quantized: QInstanceNorm1d },
        },
        {
          op: { function: 'F.instance_norm' },
          lowering: { kind: 'function', op: 'quantized.instance_norm', args: instance_norm_args, takes_qparams: true },
        },
      ],
    },
  ],
  requantizes: true,
  eager_static: [
    { name: 'nn.InstanceNorm1d', float: InstanceNorm1d, quantized: QInstanceNorm1d },
    { name: 'nn.InstanceNorm2d', float: InstanceNorm2d, quantized: QInstanceNorm2d },
  ],
  saved: ['nn.quantized.InstanceNorm1d', 'nn.quantized.InstanceNorm2d', 'nn.InstanceNorm1d', 'nn.InstanceNorm2d'],
  example: { input: [2, 3, 4, 4], module: () => new InstanceNorm2d(3, { affine: true }) },
};

/** This family's records, in table order. */
export const NORMALIZATION_RECORDS: readonly OpRecord[] = [group_norm, instance_norm];
