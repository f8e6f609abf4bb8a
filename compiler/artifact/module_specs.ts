/**
 * How a saved quantized model rebuilds its submodules without the original model class: per module class,
 * the constructor arguments read from an instance (JSON) and the constructor call that rebuilds it
 * (children first, for containers and fused modules). Weights come from the state_dict afterwards.
 */

import { Sequential } from '../../runtime/nn/containers.js';
import * as fused from '../../runtime/nn/intrinsic/fused.js';
import * as act from '../../runtime/nn/layers/activation.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { GroupNorm, InstanceNorm1d, InstanceNorm2d } from '../../runtime/nn/layers/group_norm.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Dropout, Embedding, Flatten } from '../../runtime/nn/layers/misc.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from '../../runtime/nn/layers/normalization.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../runtime/nn/layers/pooling.js';
import { GRU, LSTM, RNN } from '../../runtime/nn/layers/rnn.js';
import { GRUCell, LSTMCell, RNNCell } from '../../runtime/nn/layers/rnn_cell.js';
import { ELU, EmbeddingBag } from '../../runtime/nn/layers/upsample_bag.js';
import { Module } from '../../runtime/nn/module.js';
import * as qact from '../../runtime/quantized/modules/activation.js';
import * as qconv from '../../runtime/quantized/modules/conv.js';
import * as qdlin from '../../runtime/quantized/modules/dynamic/linear.js';
import * as qdrnn from '../../runtime/quantized/modules/dynamic/rnn.js';
import * as qdcell from '../../runtime/quantized/modules/dynamic/rnn_cell.js';
import * as qelu from '../../runtime/quantized/modules/elu_leaky_relu.js';
import * as qembed from '../../runtime/quantized/modules/embedding.js';
import * as qln from '../../runtime/quantized/modules/layer_norm.js';
import * as qlin from '../../runtime/quantized/modules/linear.js';
import * as qnorm from '../../runtime/quantized/modules/normalization.js';
import type { Json } from '../ir/serialize.js';
import { NN_MORE_SPECS } from './module_specs_more.js';

type Slots = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: constructors of any signature
type Ctor = new (...args: any[]) => Module;

/** One rebuildable module class: a stable type name, its constructor arguments, and how to construct it. */
export interface ModuleSpec {
  type: string;
  cls: Ctor;
  args: (m: Module) => Json[];
  create: (args: Json[], children: Record<string, Module>) => Module;
}

const f = (m: Module, k: string): Json => (m as unknown as Slots)[k] as Json;
const pick = (m: Module, keys: string[]): Json => Object.fromEntries(keys.map((k) => [k, f(m, k)])) as Json;
const has = (m: Module, k: string): boolean => (m as unknown as Slots)[k] != null;

function simple(type: string, cls: Ctor, args: (m: Module) => Json[]): ModuleSpec {
  return { type, cls, args, create: (a) => new cls(...(a as unknown[])) };
}
function no_args(type: string, cls: Ctor): ModuleSpec {
  return simple(type, cls, () => []);
}
function fused_spec(type: string, cls: Ctor): ModuleSpec {
  return {
    type,
    cls,
    args: () => [],
    create: (_a, ch) =>
      new cls(
        ...Object.keys(ch)
          .sort((x, y) => Number(x) - Number(y))
          .map((k) => ch[k]),
      ),
  };
}

const conv_opts = ['stride', 'padding', 'dilation', 'groups'];
// a folded relu6 / hardtanh (compiler/passes/fold_clamps.ts) lives in the int8 module's out_clamp
const clamp_opt = (m: Module): object => (has(m, 'out_clamp') ? { out_clamp: f(m, 'out_clamp') } : {});
const q_conv_args = (m: Module): Json[] => [
  f(m, 'in_channels'),
  f(m, 'out_channels'),
  f(m, 'kernel_size'),
  { ...(pick(m, conv_opts) as object), bias: (m as qconv.Conv2d).bias() !== null, ...clamp_opt(m) },
];
const q_linear_args = (m: Module): Json[] => [
  f(m, 'in_features'),
  f(m, 'out_features'),
  { bias_: (m as qlin.Linear).bias() !== null, ...clamp_opt(m) },
];
const rnn_args = (m: Module): Json[] => [
  f(m, 'input_size'),
  f(m, 'hidden_size'),
  pick(m, ['num_layers', 'bias', 'batch_first', 'dropout', 'bidirectional']),
];

const elman_args = (m: Module): Json[] => {
  const a = rnn_args(m);
  return [a[0], a[1], { ...(a[2] as object), nonlinearity: f(m, 'nonlinearity') }];
};
/** Cells: [input_size, hidden_size, {bias, nonlinearity (RNNCell)}]. */
const cell_args = (m: Module): Json[] => [
  f(m, 'input_size'),
  f(m, 'hidden_size'),
  has(m, 'nonlinearity') ? pick(m, ['bias', 'nonlinearity']) : pick(m, ['bias']),
];
type CellOpts = { bias?: boolean; nonlinearity?: 'tanh' | 'relu' };
/** A float cell class: constructed from (input_size, hidden_size, options). */
function float_cell(type: string, cls: Ctor): ModuleSpec {
  return { type, cls, args: cell_args, create: (a) => new cls(a[0], a[1], a[2]) };
}
/** A dynamic cell class: constructed from (input_size, hidden_size, bias, nonlinearity?) as torch's. */
function dynamic_cell(type: string, cls: Ctor): ModuleSpec {
  const create = (a: Json[]): Module => {
    const o = (a[2] ?? {}) as CellOpts;
    return o.nonlinearity ? new cls(a[0], a[1], o.bias ?? true, o.nonlinearity) : new cls(a[0], a[1], o.bias ?? true);
  };
  return { type, cls, args: cell_args, create };
}

/** A module's output qparams buffers as numbers (the int8 norms, LeakyReLU). */
const out_qparams = (m: Module): Json[] => [
  ((m as unknown as Slots).scale as { data: ArrayLike<number> }).data[0],
  ((m as unknown as Slots).zero_point as { data: ArrayLike<number> }).data[0],
];
const instance_opts = ['eps', 'momentum', 'affine', 'track_running_stats'];
const instance_args = (m: Module): Json[] => [f(m, 'num_features'), pick(m, instance_opts)];
const q_instance_args = (m: Module): Json[] => [
  f(m, 'num_features'),
  null,
  null,
  ...out_qparams(m),
  pick(m, instance_opts),
];

/** Every class a quantized GraphModule may hold, by type name. */
export const MODULE_SPECS: readonly ModuleSpec[] = [
  // int8 modules
  simple('nn.quantized.Conv2d', qconv.Conv2d, q_conv_args),
  simple('nn.intrinsic.quantized.ConvReLU2d', qconv.ConvReLU2d, q_conv_args),
  simple('nn.quantized.Linear', qlin.Linear, q_linear_args),
  simple('nn.intrinsic.quantized.LinearReLU', qlin.LinearReLU, q_linear_args),
  simple('nn.quantized.dynamic.Linear', qdlin.Linear, q_linear_args),
  simple('nn.intrinsic.quantized.dynamic.LinearReLU', qdlin.LinearReLU, q_linear_args),
  simple('nn.quantized.Hardswish', qact.Hardswish, (m) => [f(m, 'scale'), f(m, 'zero_point')]),
  {
    type: 'nn.quantized.LayerNorm',
    cls: qln.LayerNorm,
    args: (m) => [f(m, 'normalized_shape'), f(m, 'scale'), f(m, 'zero_point'), pick(m, ['eps', 'elementwise_affine'])],
    // weight and bias are buffers, filled from the state_dict afterwards
    create: (a) => new qln.LayerNorm(a[0] as number[], null, null, a[1] as number, a[2] as number, a[3] as object),
  },
  simple('nn.quantized.ELU', qelu.ELU, (m) => [f(m, 'scale'), f(m, 'zero_point'), f(m, 'alpha')]),
  simple('nn.quantized.LeakyReLU', qelu.LeakyReLU, (m) => [
    ...out_qparams(m),
    f(m, 'negative_slope'),
    pick(m, ['inplace']),
  ]),
  simple('nn.quantized.GroupNorm', qnorm.GroupNorm, (m) => [
    f(m, 'num_groups'),
    f(m, 'num_channels'),
    null,
    null,
    ...out_qparams(m),
    pick(m, ['eps', 'affine']),
  ]),
  simple('nn.quantized.InstanceNorm1d', qnorm.InstanceNorm1d, q_instance_args),
  simple('nn.quantized.InstanceNorm2d', qnorm.InstanceNorm2d, q_instance_args),
  simple('nn.quantized.Embedding', qembed.Embedding, (m) => [
    f(m, 'num_embeddings'),
    f(m, 'embedding_dim'),
    pick(m, ['padding_idx', 'dtype']),
  ]),
  simple('nn.quantized.EmbeddingBag', qembed.EmbeddingBag, (m) => [
    f(m, 'num_embeddings'),
    f(m, 'embedding_dim'),
    pick(m, ['mode', 'include_last_offset', 'padding_idx', 'dtype']),
  ]),
  simple('nn.quantized.dynamic.LSTM', qdrnn.LSTM, rnn_args),
  simple('nn.quantized.dynamic.GRU', qdrnn.GRU, rnn_args),
  simple('nn.quantized.dynamic.RNN', qdrnn.RNN, elman_args),
  dynamic_cell('nn.quantized.dynamic.LSTMCell', qdcell.LSTMCell),
  dynamic_cell('nn.quantized.dynamic.GRUCell', qdcell.GRUCell),
  dynamic_cell('nn.quantized.dynamic.RNNCell', qdcell.RNNCell),
  // float modules left in float (null qconfig, no int8 lowering)
  simple('nn.Conv2d', Conv2d, (m) => [
    f(m, 'in_channels'),
    f(m, 'out_channels'),
    f(m, 'kernel_size'),
    { ...(pick(m, [...conv_opts, 'padding_mode']) as object), bias: has(m, 'bias') },
  ]),
  simple('nn.Linear', Linear, (m) => [f(m, 'in_features'), f(m, 'out_features'), { bias: has(m, 'bias') }]),
  simple('nn.BatchNorm2d', BatchNorm2d, (m) => [
    f(m, 'num_features'),
    pick(m, ['eps', 'momentum', 'affine', 'track_running_stats']),
  ]),
  simple('nn.BatchNorm1d', BatchNorm1d, (m) => [
    f(m, 'num_features'),
    pick(m, ['eps', 'momentum', 'affine', 'track_running_stats']),
  ]),
  simple('nn.LayerNorm', LayerNorm, (m) => [
    f(m, 'normalized_shape'),
    { ...(pick(m, ['eps', 'elementwise_affine']) as object), bias: has(m, 'bias') },
  ]),
  simple('nn.MaxPool2d', MaxPool2d, (m) => [
    f(m, 'kernel_size'),
    pick(m, ['stride', 'padding', 'dilation', 'return_indices', 'ceil_mode']),
  ]),
  simple('nn.AvgPool2d', AvgPool2d, (m) => [
    f(m, 'kernel_size'),
    pick(m, ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override']),
  ]),
  simple('nn.AdaptiveAvgPool2d', AdaptiveAvgPool2d, (m) => [f(m, 'output_size')]),
  simple('nn.Flatten', Flatten, (m) => [f(m, 'start_dim'), f(m, 'end_dim')]),
  simple('nn.Dropout', Dropout, (m) => [f(m, 'p')]),
  simple('nn.LSTM', LSTM, rnn_args),
  simple('nn.GRU', GRU, rnn_args),
  simple('nn.RNN', RNN, elman_args),
  float_cell('nn.LSTMCell', LSTMCell),
  float_cell('nn.GRUCell', GRUCell),
  float_cell('nn.RNNCell', RNNCell),
  no_args('nn.ReLU', act.ReLU),
  no_args('nn.ReLU6', act.ReLU6),
  simple('nn.Hardtanh', act.Hardtanh, (m) => [f(m, 'min_val'), f(m, 'max_val')]),
  no_args('nn.Hardswish', act.Hardswish),
  no_args('nn.Hardsigmoid', act.Hardsigmoid),
  no_args('nn.Sigmoid', act.Sigmoid),
  no_args('nn.Tanh', act.Tanh),
  simple('nn.ELU', ELU, (m) => [f(m, 'alpha'), pick(m, ['inplace'])]),
  simple('nn.LeakyReLU', act.LeakyReLU, (m) => [f(m, 'negative_slope'), pick(m, ['inplace'])]),
  simple('nn.GroupNorm', GroupNorm, (m) => [f(m, 'num_groups'), f(m, 'num_channels'), pick(m, ['eps', 'affine'])]),
  simple('nn.InstanceNorm1d', InstanceNorm1d, instance_args),
  simple('nn.InstanceNorm2d', InstanceNorm2d, instance_args),
  simple('nn.Embedding', Embedding, (m) => [f(m, 'num_embeddings'), f(m, 'embedding_dim'), pick(m, ['padding_idx'])]),
  simple('nn.EmbeddingBag', EmbeddingBag, (m) => [
    f(m, 'num_embeddings'),
    f(m, 'embedding_dim'),
    pick(m, ['mode', 'include_last_offset', 'padding_idx']),
  ]),
  simple('nn.GELU', act.GELU, (m) => [{ approximate: f(m, 'approximate') }]),
  simple('nn.Softmax', act.Softmax, (m) => [f(m, 'dim')]),
  fused_spec('nn.intrinsic.ConvReLU2d', fused.ConvReLU2d),
  fused_spec('nn.intrinsic.LinearReLU', fused.LinearReLU),
  fused_spec('nn.intrinsic.BNReLU2d', fused.BNReLU2d),
  fused_spec('nn.Sequential', Sequential),
  ...NN_MORE_SPECS,
  // a plain parent of named submodules (what tracing leaves of traced-through modules)
  { type: 'nn.Module', cls: Module, args: () => [], create: () => new Module() },
];

/** The spec of a module instance (exact class); an error names the class and path when there is none. */
export function spec_of(m: Module, path: string): ModuleSpec {
  const s = MODULE_SPECS.find((x) => m.constructor === x.cls);
  if (!s)
    throw new Error(
      `save_quantized: submodule '${path}' is a ${m.constructor.name}, which the artifact format cannot rebuild (known: ${MODULE_SPECS.map((x) => x.type).join(', ')})`,
    );
  return s;
}

/** The spec named `type`; an error names the type and where it was read. */
export function spec_by_type(type: unknown, where: string): ModuleSpec {
  const s = MODULE_SPECS.find((x) => x.type === type);
  if (!s) throw new Error(`${where}: unknown module type ${JSON.stringify(type)}`);
  return s;
}
