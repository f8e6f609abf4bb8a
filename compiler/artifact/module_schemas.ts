/**
 * What a manifest module entry may say, per module type: its constructor arguments (finite non-negative
 * integers within stated bounds, known option keys only) and the tensors it owns in the weights (name,
 * dtype, shape derived from the arguments). The loader compares these with the safetensors header before
 * building anything, so a module can only allocate what the weights file actually holds.
 */
import type { SafetensorsDType } from '../../runtime/io/safetensors_dtypes.js';
import { NN_MORE_SCHEMAS } from './module_schemas_more.js';
import { preview } from './preview.js';
import {
  arity,
  bool,
  fail,
  int,
  no_args,
  num,
  opts,
  or_,
  out_qparams,
  pair,
  qweight,
  small,
  t,
} from './schema_checks.js';
import { NORM_ACT_EMBED_SCHEMAS } from './schemas_norm_act_embed.js';

/** What a tensor is for: drives the value checks of qparams (qparams_check.ts). */
export type TensorRole = 'float' | 'qweight' | 'wscale' | 'wzp' | 'oscale' | 'ozp' | 'count';

/** One tensor a module owns: `<path>.<name>`; `shapes` lists the accepted shapes (per-tensor or per-channel). */
export interface ExpectedTensor {
  name: string;
  dtype: SafetensorsDType;
  shapes: number[][];
  role: TensorRole;
}

/** Which children an entry may have: none, any identifiers, '0'..'n-1', or exactly these types as '0', '1'. */
export type ChildRule = 'none' | 'named' | 'indexed' | readonly string[];

export interface ModuleSchema {
  children: ChildRule;
  /** Checks `args` and returns the module's tensors; throws a message naming the argument. */
  tensors: (args: unknown[]) => ExpectedTensor[];
}

/** Bounds on arguments no tensor bounds: windows of pools, strides, dilations, adaptive output sizes. */
export const MAX_WINDOW = 4096;
/** Dimensions and features: any larger cannot be a typed-array length (tensor shapes bound them anyway). */
export const MAX_SIZE = 2 ** 31 - 1;
const MAX_DIM_INDEX = 64;
const MAX_LAYERS = 64;

/**
 * Conv arguments (1-d or 2-d: `tuple` reads an int or a tuple of that size, `show` prints one): channels, groups
 * dividing both, kernel, stride / dilation ≥ 1, padding ≤ dilation·kernel.
 */
export function conv_geometry_nd(
  a: unknown[],
  o: Record<string, unknown>,
  float: boolean,
  tuple: (v: unknown, name: string, lo: number, hi: number) => number[],
  show: (v: number[]) => string,
) {
  const cin = int(a[0], 'in_channels', 1, MAX_SIZE);
  const cout = int(a[1], 'out_channels', 1, MAX_SIZE);
  const k = tuple(a[2], 'kernel_size', 1, MAX_WINDOW);
  const groups = int(or_(o.groups, 1), 'groups', 1, MAX_SIZE);
  if (cin % groups || cout % groups)
    fail(`groups ${groups} does not divide in_channels ${cin} and out_channels ${cout}`);
  tuple(or_(o.stride, 1), 'stride', 1, MAX_WINDOW);
  const d = tuple(or_(o.dilation, 1), 'dilation', 1, MAX_WINDOW);
  // past dilation·kernel every output row would see padding only: larger values are corrupt, not models
  if (o.padding_mode !== undefined && o.padding_mode !== 'zeros')
    fail(`padding_mode ${preview(o.padding_mode, 40)} is not 'zeros'`);
  if (!float || (o.padding !== 'same' && o.padding !== 'valid')) {
    const p = tuple(or_(o.padding, 0), 'padding', 0, MAX_WINDOW);
    const dk = d.map((di, i) => di * k[i]);
    if (p.some((pi, i) => pi > dk[i])) fail(`padding ${show(p)} exceeds dilation·kernel ${show(dk)}`);
  }
  return { weight: [cout, cin / groups, ...k], cout, bias: bool(o.bias, 'bias', true) };
}

const conv_geometry = (a: unknown[], o: Record<string, unknown>, float: boolean) =>
  conv_geometry_nd(a, o, float, pair, (v) => `[${v.join(', ')}]`);
/** An int8 conv / linear's optional output clamp (a folded relu6 / hardtanh): [lo, hi] in 0..255, lo ≤ hi. */
function out_clamp(v: unknown): void {
  if (v === undefined || v === null) return;
  const [lo, hi] = Array.isArray(v) && v.length === 2 ? v : fail('argument out_clamp is not a pair [lo, hi]');
  if (int(lo, 'out_clamp[0]', 0, 255) > int(hi, 'out_clamp[1]', 0, 255))
    fail(`argument out_clamp [${lo}, ${hi}] has lo > hi`);
}
const q_conv: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 3, 4);
    const o = opts(a[3], ['stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode', 'out_clamp']);
    out_clamp(o.out_clamp);
    const g = conv_geometry(a, o, false);
    return [...qweight('weight', g.weight), ...(g.bias ? [t('bias', 'F32', 'float', [g.cout])] : []), ...out_qparams];
  },
};
const q_linear: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 2, 3);
    const [i, o] = [int(a[0], 'in_features', 1, MAX_SIZE), int(a[1], 'out_features', 1, MAX_SIZE)];
    const lo = opts(a[2], ['bias_', 'dtype', 'out_clamp']);
    out_clamp(lo.out_clamp);
    const bias = bool(lo.bias_, 'bias_', true);
    return [...qweight('weight', [o, i]), ...(bias ? [t('bias', 'F32', 'float', [o])] : []), ...out_qparams];
  },
};
/** RNN stacks: per layer and direction weight_ih / weight_hh (+ biases), torch's names. */
/** nn.RNN / RNNCell's nonlinearity option. */
function nonlinearity(v: unknown): void {
  if (v !== undefined && v !== 'tanh' && v !== 'relu')
    fail(`argument nonlinearity = ${preview(v, 40)} is not 'tanh' or 'relu'`);
}
function rnn(gates: number, quantized: boolean, elman = false): ModuleSchema {
  return {
    children: 'none',
    tensors: (a) => {
      arity(a, 2, 3);
      const input = int(a[0], 'input_size', 1, MAX_SIZE);
      const hidden = int(a[1], 'hidden_size', 1, MAX_SIZE);
      const keys = ['num_layers', 'bias', 'batch_first', 'dropout', 'bidirectional'];
      const o = opts(a[2], elman ? [...keys, 'nonlinearity'] : keys);
      nonlinearity(o.nonlinearity);
      const layers = int(or_(o.num_layers, 1), 'num_layers', 1, MAX_LAYERS);
      const bias = bool(o.bias, 'bias', true);
      bool(o.batch_first, 'batch_first', false);
      num(or_(o.dropout, 0), 'dropout', 0, 1);
      const dirs = bool(o.bidirectional, 'bidirectional', false) ? 2 : 1;
      const g = gates * hidden;
      const out: ExpectedTensor[] = [];
      for (let l = 0; l < layers; l++)
        for (let d = 0; d < dirs; d++) {
          const sfx = `_l${l}${d ? '_reverse' : ''}`;
          const ih = [g, l === 0 ? input : hidden * dirs];
          const hh = [g, hidden];
          if (quantized) out.push(...qweight(`weight_ih${sfx}`, ih), ...qweight(`weight_hh${sfx}`, hh));
          else out.push(t(`weight_ih${sfx}`, 'F32', 'float', ih), t(`weight_hh${sfx}`, 'F32', 'float', hh));
          if (bias) out.push(t(`bias_ih${sfx}`, 'F32', 'float', [g]), t(`bias_hh${sfx}`, 'F32', 'float', [g]));
        }
      return out;
    },
  };
}
/** One recurrent cell: [input_size, hidden_size, {bias, nonlinearity (RNNCell)}]. */
function rnn_cell(gates: number, quantized: boolean, elman = false): ModuleSchema {
  return {
    children: 'none',
    tensors: (a) => {
      arity(a, 2, 3);
      const input = int(a[0], 'input_size', 1, MAX_SIZE);
      const hidden = int(a[1], 'hidden_size', 1, MAX_SIZE);
      const o = opts(a[2], elman ? ['bias', 'nonlinearity'] : ['bias']);
      nonlinearity(o.nonlinearity);
      const bias = bool(o.bias, 'bias', true);
      const g = gates * hidden;
      const w = (name: string, shape: number[]) =>
        quantized ? qweight(name, shape) : [t(name, 'F32', 'float', shape)];
      const out = [...w('weight_ih', [g, input]), ...w('weight_hh', [g, hidden])];
      if (bias) out.push(t('bias_ih', 'F32', 'float', [g]), t('bias_hh', 'F32', 'float', [g]));
      return out;
    },
  };
}
function batch_norm(): ModuleSchema {
  return {
    children: 'none',
    tensors: (a) => {
      arity(a, 1, 2);
      const c = int(a[0], 'num_features', 1, MAX_SIZE);
      const o = opts(a[1], ['eps', 'momentum', 'affine', 'track_running_stats']);
      num(or_(o.eps, 1e-5), 'eps', 0, 1);
      if (o.momentum !== null) num(or_(o.momentum, 0.1), 'momentum', 0, 1);
      const out: ExpectedTensor[] = [];
      if (bool(o.affine, 'affine', true)) out.push(t('weight', 'F32', 'float', [c]), t('bias', 'F32', 'float', [c]));
      if (bool(o.track_running_stats, 'track_running_stats', true))
        out.push(
          t('running_mean', 'F32', 'float', [c]),
          t('running_var', 'F32', 'float', [c]),
          t('num_batches_tracked', 'I64', 'count', []),
        );
      return out;
    },
  };
}
/** normalized_shape: 1..8 positive dims; returns the element count. */
function normalized_shape(v: unknown): number[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > 8) fail('argument normalized_shape is not a list of 1..8 sizes');
  return (v as unknown[]).map((d, i) => int(d, `normalized_shape[${i}]`, 1, MAX_SIZE));
}
/** nn.quantized.LayerNorm(normalized_shape, scale, zero_point, {eps, elementwise_affine}): float weight and bias buffers. */
const q_layer_norm: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 3, 4);
    const shape = normalized_shape(a[0]);
    num(a[1], 'scale', Number.MIN_VALUE, Number.MAX_VALUE);
    int(a[2], 'zero_point', 0, 255);
    const o = opts(a[3], ['eps', 'elementwise_affine']);
    num(or_(o.eps, 1e-5), 'eps', 0, 1);
    bool(o.elementwise_affine, 'elementwise_affine', true);
    return [t('weight', 'F32', 'float', shape), t('bias', 'F32', 'float', shape)];
  },
};
/** Pools: window ≤ MAX_WINDOW, padding at most half the (dilated) kernel as torch requires. */
function pool(keys: readonly string[]): ModuleSchema {
  return {
    children: 'none',
    tensors: (a) => {
      arity(a, 1, 2);
      const k = pair(a[0], 'kernel_size', 1, MAX_WINDOW);
      const o = opts(a[1], keys);
      if (o.stride !== null) pair(or_(o.stride, 1), 'stride', 1, MAX_WINDOW);
      const d = pair(or_(o.dilation, 1), 'dilation', 1, MAX_WINDOW);
      const p = pair(or_(o.padding, 0), 'padding', 0, MAX_WINDOW);
      for (const i of [0, 1])
        if (2 * p[i] > d[i] * (k[i] - 1) + 1)
          fail(`padding [${p.join(', ')}] exceeds half the kernel [${k.join(', ')}]`);
      for (const b of ['return_indices', 'ceil_mode', 'count_include_pad']) bool(o[b], b, false);
      if (o.divisor_override != null) int(o.divisor_override, 'divisor_override', 1, MAX_SIZE);
      return [];
    },
  };
}
const container = (children: ChildRule): ModuleSchema => small(0, undefined, children);
const dim = (v: unknown, name: string) => int(v, name, -MAX_DIM_INDEX, MAX_DIM_INDEX - 1);
const float_conv: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 3, 4);
    const g = conv_geometry(a, opts(a[3], ['stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode']), true);
    return [t('weight', 'F32', 'float', g.weight), ...(g.bias ? [t('bias', 'F32', 'float', [g.cout])] : [])];
  },
};
const float_linear: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 2, 3);
    const [i, o] = [int(a[0], 'in_features', 1, MAX_SIZE), int(a[1], 'out_features', 1, MAX_SIZE)];
    const bias = bool(opts(a[2], ['bias']).bias, 'bias', true);
    return [t('weight', 'F32', 'float', [o, i]), ...(bias ? [t('bias', 'F32', 'float', [o])] : [])];
  },
};

/** Float LayerNorm (what dynamic quantization leaves of a transformer): [normalized_shape, {eps, elementwise_affine, bias}]. */
const float_layer_norm: ModuleSchema = {
  children: 'none',
  tensors: (a) => {
    arity(a, 1, 2);
    const s = a[0];
    if (!Array.isArray(s) || s.length < 1 || s.length > MAX_DIM_INDEX)
      fail(`argument normalized_shape = ${preview(s, 40)} is not a list of 1..${MAX_DIM_INDEX} sizes`);
    const shape = s.map((v, i) => int(v, `normalized_shape[${i}]`, 1, MAX_SIZE));
    const o = opts(a[1], ['eps', 'elementwise_affine', 'bias']);
    num(or_(o.eps, 1e-5), 'eps', 0, 1);
    if (!bool(o.elementwise_affine, 'elementwise_affine', true)) return [];
    const out = [t('weight', 'F32', 'float', shape)];
    if (bool(o.bias, 'bias', true)) out.push(t('bias', 'F32', 'float', shape));
    return out;
  },
};

/** Every type name of module_specs.ts with its schema (a test keeps the two lists equal). */
export const MODULE_SCHEMAS: ReadonlyMap<string, ModuleSchema> = new Map<string, ModuleSchema>([
  ['nn.quantized.Conv2d', q_conv],
  ['nn.intrinsic.quantized.ConvReLU2d', q_conv],
  ['nn.quantized.Linear', q_linear],
  ['nn.intrinsic.quantized.LinearReLU', q_linear],
  ['nn.quantized.dynamic.Linear', q_linear],
  ['nn.intrinsic.quantized.dynamic.LinearReLU', q_linear],
  [
    'nn.quantized.Hardswish',
    small(2, (a) => {
      arity(a, 2, 2);
      num(a[0], 'scale', Number.MIN_VALUE, Number.MAX_VALUE);
      int(a[1], 'zero_point', 0, 255);
    }),
  ],
  ['nn.quantized.LayerNorm', q_layer_norm],
  ['nn.quantized.dynamic.LSTM', rnn(4, true)],
  ['nn.quantized.dynamic.GRU', rnn(3, true)],
  ['nn.quantized.dynamic.RNN', rnn(1, true, true)],
  ['nn.quantized.dynamic.LSTMCell', rnn_cell(4, true)],
  ['nn.quantized.dynamic.GRUCell', rnn_cell(3, true)],
  ['nn.quantized.dynamic.RNNCell', rnn_cell(1, true, true)],
  ['nn.Conv2d', float_conv],
  ['nn.Linear', float_linear],
  ['nn.BatchNorm2d', batch_norm()],
  ['nn.BatchNorm1d', batch_norm()],
  ['nn.LayerNorm', float_layer_norm],
  ['nn.MaxPool2d', pool(['stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'])],
  ['nn.AvgPool2d', pool(['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'])],
  [
    'nn.AdaptiveAvgPool2d',
    small(1, (a) => {
      const s = a[0];
      if (!Array.isArray(s)) int(s, 'output_size', 1, MAX_WINDOW);
      else if (s.length !== 2) fail('argument output_size is not an int or a pair');
      else for (const i of [0, 1]) if (s[i] !== null) int(s[i], `output_size[${i}]`, 1, MAX_WINDOW);
    }),
  ],
  [
    'nn.Flatten',
    small(2, (a) => {
      for (const [i, v] of a.entries()) dim(v, i ? 'end_dim' : 'start_dim');
    }),
  ],
  [
    'nn.Dropout',
    small(1, (a) => {
      if (a.length) num(a[0], 'p', 0, 1);
    }),
  ],
  ['nn.LSTM', rnn(4, false)],
  ['nn.GRU', rnn(3, false)],
  ['nn.RNN', rnn(1, false, true)],
  ['nn.LSTMCell', rnn_cell(4, false)],
  ['nn.GRUCell', rnn_cell(3, false)],
  ['nn.RNNCell', rnn_cell(1, false, true)],
  ['nn.ReLU', no_args],
  ['nn.ReLU6', no_args],
  [
    'nn.Hardtanh',
    small(2, (a) => {
      const [lo, hi] = [
        num(a[0], 'min_val', -Number.MAX_VALUE, Number.MAX_VALUE),
        num(a[1], 'max_val', -Number.MAX_VALUE, Number.MAX_VALUE),
      ];
      if (lo > hi) fail(`argument min_val ${lo} > max_val ${hi}`);
    }),
  ],
  ['nn.Hardswish', no_args],
  ['nn.Hardsigmoid', no_args],
  ['nn.Sigmoid', no_args],
  ['nn.Tanh', no_args],
  [
    'nn.GELU',
    small(1, (a) => {
      const o = opts(a[0], ['approximate']);
      if (o.approximate !== undefined && o.approximate !== 'none' && o.approximate !== 'tanh')
        fail(`argument approximate = ${preview(o.approximate, 40)} is not 'none' or 'tanh'`);
    }),
  ],
  [
    'nn.Softmax',
    small(1, (a) => {
      if (a[0] != null) dim(a[0], 'dim');
    }),
  ],
  ['nn.intrinsic.ConvReLU2d', container(['nn.Conv2d', 'nn.ReLU'])],
  ['nn.intrinsic.LinearReLU', container(['nn.Linear', 'nn.ReLU'])],
  ['nn.intrinsic.BNReLU2d', container(['nn.BatchNorm2d', 'nn.ReLU'])],
  ['nn.Sequential', container('indexed')],
  ['nn.Module', container('named')],
  ...NN_MORE_SCHEMAS,
  ...NORM_ACT_EMBED_SCHEMAS,
]);
