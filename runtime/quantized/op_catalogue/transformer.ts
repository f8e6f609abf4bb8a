/**
 * Catalogue records of the transformer ops, as torch 1.13's qnnpack backend config has them
 * (backend_config/_common_operator_config_utils.py, fx/_lower_to_native_backend.py):
 * - layer_norm: own output observer (_get_default_op_configs: nn.LayerNorm, F.layer_norm with weight / bias at
 *   args 2, 3); nn.LayerNorm → nn.quantized.LayerNorm, F.layer_norm → quantized.layer_norm;
 * - matmul: a binary op of two quantized tensors with its own output observer → quantized.matmul;
 * - transpose, permute: share their input's observer (the share-qparams list) and run as they are on the
 *   quantized tensor (the same integers rearranged); they insert an input observer when their input is float;
 * - float islands, matched by no pattern: nn.GELU, the `torch.softmax` function (only the nn.Softmax module has
 *   fixed qparams), Python indexing (getitem: `qkv[0]`, `x[:, 0]`), the `expand` method. Convert dequantizes
 *   before them and the consumer's own input observer quantizes their output.
 */
import { GELU } from '../../nn/layers/activation.js';
import { LayerNorm } from '../../nn/layers/normalization.js';
import type { Module } from '../../nn/module.js';
import { LayerNorm as QLayerNorm } from '../modules/layer_norm.js';
import type { OpForm, OpRecord, PatternNode, StaticVariant } from './types.js';

type Slots = Record<string, unknown>;

/** F.layer_norm(x, normalized_shape, {weight, bias, eps}) → quantized.layer_norm's (normalized_shape, weight, bias, eps). */
function layer_norm_args(n: PatternNode): unknown[] {
  const o = (n.args[2] ?? n.kwargs.options ?? {}) as Slots;
  return [n.args[1] ?? n.kwargs.normalized_shape, o.weight ?? null, o.bias ?? null, o.eps ?? 1e-5];
}

export const layer_norm: OpRecord = {
  name: 'layer_norm',
  semantics: 'y = (x − mean) / √(var + eps) · weight + bias over the trailing normalized_shape dims',
  static: [
    {
      observation: 'different',
      inputs: 'first',
      forms: [
        { name: 'nn.LayerNorm', op: { module: LayerNorm }, lowering: { kind: 'module', quantized: QLayerNorm } },
        {
          op: { function: 'F.layer_norm' },
          lowering: { kind: 'function', op: 'quantized.layer_norm', args: layer_norm_args, takes_qparams: true },
        },
      ],
    },
  ],
  requantizes: true,
  eager_static: [{ name: 'nn.LayerNorm', float: LayerNorm, quantized: QLayerNorm }],
  saved: ['nn.quantized.LayerNorm', 'nn.LayerNorm'],
  example: { input: [2, 3, 4, 4], module: () => new LayerNorm(4), args: [[4]] },
};

export const matmul: OpRecord = {
  name: 'matmul',
  semantics: 'y = a @ b (batched over the leading dims, which broadcast)',
  static: [
    {
      observation: 'different',
      inputs: 'tensors',
      forms: [
        {
          op: { function: 'matmul' },
          lowering: { kind: 'function', op: 'quantized.matmul', args: () => [], takes_qparams: true },
        },
      ],
    },
  ],
  requantizes: true,
  saved: [],
  example: { input: [2, 3, 4, 4] },
};

const keep_share = (forms: OpForm[]): StaticVariant[] => [{ observation: 'share', inputs: 'first', forms }];

export const transpose: OpRecord = {
  name: 'transpose',
  semantics: 'y = x with dims dim0 and dim1 swapped (the same values)',
  static: keep_share([
    { name: 'transpose', op: { method: 'transpose' }, lowering: { kind: 'keep' } },
    { name: 'transpose', op: { function: 'transpose' }, lowering: { kind: 'keep' } },
  ]),
  requantizes: false,
  saved: [],
  example: { input: [2, 3, 4, 4], args: [1, 2] },
};

export const permute: OpRecord = {
  name: 'permute',
  semantics: 'y = x with its dims reordered (the same values)',
  static: keep_share([{ name: 'permute', op: { method: 'permute' }, lowering: { kind: 'keep' } }]),
  requantizes: false,
  saved: [],
  example: { input: [2, 3, 4, 4], args: [0, 2, 1, 3] },
};

/** quantized.gelu_island has no extra args; it is the exact (erf) GELU, so a tanh-approximate one is an error. */
function exact_gelu_args(n: PatternNode, mod: Module | null): unknown[] {
  const o = n.args[1] as { approximate?: string } | undefined;
  const approximate = (mod as GELU | null)?.approximate ?? o?.approximate ?? 'none';
  if (approximate !== 'none')
    throw new Error(
      `convert_fx: node '${(n as { name?: string }).name}': int8_gelu has the exact GELU only, got approximate='${approximate}'`,
    );
  return [];
}

/** torch 1.13 has no int8 GELU: nn.GELU / F.gelu match no pattern (a float island). */
export const gelu: OpRecord = {
  name: 'gelu',
  semantics: 'y = x · Φ(x) (exact erf form; tanh approximation when approximate = tanh)',
  static: [],
  float_island: [{ module: GELU }, { function: 'F.gelu' }, { function: 'gelu' }],
  // fxq config, change int8_gelu: an output observer of its own and the 256-entry table (quantized.gelu_island)
  opt_in: [
    {
      change: 'int8_gelu',
      observation: 'different',
      inputs: 'first',
      forms: [{ module: GELU }, { function: 'F.gelu' }, { function: 'gelu' }].map((op) => ({
        name: 'gelu',
        op,
        lowering: { kind: 'function', op: 'quantized.gelu_island', args: exact_gelu_args, takes_qparams: true },
      })),
    },
  ],
  requantizes: false,
  saved: ['nn.GELU'],
  example: { input: [2, 3, 4, 4], module: () => new GELU() },
};

/** Python indexing (`qkv[0]`, `x[:, 0]`; fxq's Tensor.index): a float island in torch 1.13 (getitem is never matched). */
export const getitem: OpRecord = {
  name: 'getitem',
  semantics: 'y = x[indices] (basic indexing: select, slice, keep)',
  static: [],
  float_island: [{ method: 'index' }],
  // fxq config, change getitem_shares_qparams: indexing keeps its input's qparams (the same integers, selected)
  opt_in: [
    {
      change: 'getitem_shares_qparams',
      observation: 'share',
      inputs: 'first',
      value_op: true,
      forms: [{ name: 'getitem', op: { method: 'index' }, lowering: { kind: 'keep' } }],
    },
  ],
  requantizes: false,
  saved: [],
  example: { input: [2, 3, 4, 4], args: [0] },
};

/** The `expand` method is in no pattern of torch 1.13's backend config: a float island. */
export const expand: OpRecord = {
  name: 'expand',
  semantics: 'y = x broadcast to a larger shape (a view of the same values)',
  static: [],
  float_island: [{ method: 'expand' }],
  requantizes: false,
  saved: [],
  example: { input: [2, 3, 4, 4], args: [2, 2, 3, 4, 4] },
};

/** This family's records, in table order. */
export const TRANSFORMER_RECORDS: readonly OpRecord[] = [layer_norm, matmul, transpose, permute, gelu, getitem, expand];
