/**
 * Catalogue records of the ops that keep their input's qparams: pooling, flatten, reshape / view, dropout.
 * Pooling modules and F average pools stay as they are, called on quantized tensors, as in torch's
 * converted graph (they dispatch a quantized input to the int8 kernel); F.max_pool2d lowers to the
 * quantized functional op.
 */
import { Dropout, Flatten } from '../../nn/layers/misc.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../nn/layers/pooling.js';
import type { Module } from '../../nn/module.js';
import type { Lowering, OpForm, OpRecord, PatternNode, StaticVariant } from './types.js';

type Slots = Record<string, unknown>;
const field = (mod: Module | null, k: string): unknown => (mod as unknown as Slots | null)?.[k];
const arg = (n: PatternNode, i: number, kw: string, dflt: unknown): unknown =>
  n.args.length > i ? n.args[i] : kw in n.kwargs ? n.kwargs[kw] : dflt;

const KEEP: Lowering = { kind: 'keep' };
const share = (forms: OpForm[], value_op = false): StaticVariant[] => [
  { observation: 'share', inputs: 'first', forms, ...(value_op ? { value_op } : {}) },
];

export const max_pool2d: OpRecord = {
  name: 'max_pool2d',
  semantics: 'y = the maximum over each kernel window (monotone: commutes with quantization)',
  static: share([
    { name: 'nn.MaxPool2d', op: { module: MaxPool2d }, lowering: KEEP },
    {
      name: 'F.max_pool2d',
      op: { function: 'F.max_pool2d' },
      // F.max_pool2d(x, kernel_size, options) → quantized.max_pool2d(q, kernel_size, options): the same arguments
      lowering: {
        kind: 'function',
        op: 'quantized.max_pool2d',
        args: (n) => [arg(n, 1, 'kernel_size', undefined), arg(n, 2, 'options', {})],
      },
    },
  ]),
  requantizes: false,
  saved: ['nn.MaxPool2d'],
  example: { input: [2, 3, 6, 6], module: () => new MaxPool2d(2), args: [2] },
};

export const avg_pool2d: OpRecord = {
  name: 'avg_pool2d',
  semantics: 'y = the mean over each kernel window, rounded to the input grid',
  static: share([
    { name: 'nn.AvgPool2d', op: { module: AvgPool2d }, lowering: KEEP },
    { name: 'F.avg_pool2d', op: { function: 'F.avg_pool2d' }, lowering: KEEP },
  ]),
  requantizes: false,
  saved: ['nn.AvgPool2d'],
  example: { input: [2, 3, 6, 6], module: () => new AvgPool2d(2), args: [2] },
};

export const adaptive_avg_pool2d: OpRecord = {
  name: 'adaptive_avg_pool2d',
  semantics: 'y = the mean over adaptive windows giving output_size, rounded to the input grid',
  static: share([
    { name: 'nn.AdaptiveAvgPool2d', op: { module: AdaptiveAvgPool2d }, lowering: KEEP },
    { name: 'F.adaptive_avg_pool2d', op: { function: 'F.adaptive_avg_pool2d' }, lowering: KEEP },
  ]),
  requantizes: false,
  saved: ['nn.AdaptiveAvgPool2d'],
  example: { input: [2, 3, 6, 6], module: () => new AdaptiveAvgPool2d(1), args: [1] },
};

/** quantized.flatten's (start_dim, end_dim) without trailing defaults (0, -1): `quantized.flatten(x, 1)` as torch prints it. */
const flatten_args = (start_dim: unknown, end_dim: unknown): unknown[] =>
  end_dim !== -1 ? [start_dim, end_dim] : start_dim !== 0 ? [start_dim] : [];

const flatten_lowering: Lowering = {
  kind: 'function',
  op: 'quantized.flatten',
  args: (n) => flatten_args(arg(n, 1, 'start_dim', 0), arg(n, 2, 'end_dim', -1)),
};

/**
 * torch 1.13's share-qparams list (backend_config/_common_operator_config_utils.py,
 * _get_share_qparams_op_configs) has `torch.flatten` but not the `"flatten"` Tensor method: a traced
 * `x.flatten(1)` matches no pattern, so prepare leaves it float (its consumer observes its output anew) and
 * convert dequantizes before it. The record therefore has no method spelling: `x.flatten(...)` is a float
 * island, as in torch. The fxq backend config (change flatten_method) adds the method, quantized as the function.
 */
export const flatten: OpRecord = {
  name: 'flatten',
  semantics: 'y = x with dims start_dim..end_dim merged (a copy of the same values)',
  static: share(
    [
      { op: { function: 'flatten' }, lowering: flatten_lowering },
      {
        name: 'nn.Flatten',
        op: { module: Flatten },
        lowering: {
          kind: 'function',
          op: 'quantized.flatten',
          args: (_n, m) => flatten_args(field(m, 'start_dim'), field(m, 'end_dim')),
        },
      },
    ],
    true,
  ),
  opt_in: [
    {
      change: 'flatten_method',
      observation: 'share',
      inputs: 'first',
      value_op: true,
      forms: [{ name: 'flatten', op: { method: 'flatten' }, lowering: flatten_lowering }],
    },
  ],
  float_island: [{ method: 'flatten' }],
  requantizes: false,
  saved: ['nn.Flatten'],
  example: { input: [2, 3, 4, 4], module: () => new Flatten(1), args: [1] },
};

export const reshape: OpRecord = {
  name: 'reshape',
  semantics: 'y = x viewed with another shape (the same values)',
  static: share(
    [
      // torch 1.13's converted graph keeps the Tensor methods, called on the quantized tensor
      ...[{ method: 'reshape' }, { method: 'view' }].map((op) => ({ name: op.method, op, lowering: KEEP })),
      {
        name: 'reshape',
        op: { function: 'reshape' },
        lowering: {
          kind: 'function',
          op: 'quantized.reshape',
          // reshape(x, [a, b]) and reshape(x, a, b) both record the sizes after x
          args: (n: PatternNode) => [n.args.length === 2 && Array.isArray(n.args[1]) ? n.args[1] : n.args.slice(1)],
        },
      },
    ],
    true,
  ),
  requantizes: false,
  saved: [],
  example: { input: [2, 3, 4, 4], args: [[2, 48]] },
};

export const dropout: OpRecord = {
  name: 'dropout',
  semantics: 'y = x in eval (training: zeroes with probability p and scales by 1 / (1 − p))',
  static: share(
    [
      { name: 'nn.Dropout', op: { module: Dropout }, lowering: { kind: 'identity' } },
      { name: 'F.dropout', op: { function: 'F.dropout' }, lowering: { kind: 'identity' } },
    ],
    true,
  ),
  requantizes: false,
  saved: ['nn.Dropout'],
  example: { input: [2, 3, 4, 4], module: () => new Dropout(0.5) },
};

/** This family's records, in table order. */
export const SHAPE_RECORDS: readonly OpRecord[] = [
  max_pool2d,
  avg_pool2d,
  adaptive_avg_pool2d,
  flatten,
  reshape,
  dropout,
];
