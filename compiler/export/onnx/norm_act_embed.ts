/**
 * Export rows of the layers of issue #16 part 2: ELU, LeakyReLU, GroupNorm and InstanceNorm1d / 2d (float, int8
 * module and quantized.* forms; the embeddings are embedding.ts). GroupNorm is InstanceNormalization over
 * [N, G, −1] then the per-channel affine.
 * An int8 form runs in float between the input's DequantizeLinear and the QuantizeLinear of its own output
 * qparams (the exporter appends the Q), as fxq's table computes it: dequantize → op → quantize.
 */
import { _InstanceNorm, GroupNorm } from '../../../runtime/nn/layers/group_norm.js';
import { ELU } from '../../../runtime/nn/layers/upsample_bag.js';
import { ELU as QELU, LeakyReLU as QLeakyReLU } from '../../../runtime/quantized/modules/elu_leaky_relu.js';
import { _QInstanceNorm, GroupNorm as QGroupNorm } from '../../../runtime/quantized/modules/normalization.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { type Argument, Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import type { CallEntry, ModuleEntry } from './op_entry.js';

const float = (name: string): OnnxValue => ({ kind: 'float', name });

/** A literal number at args[i], or the `key` of an options object there, or kwargs[key]; `dflt` when absent. */
function number_arg(node: Node, i: number, key: string, dflt: number): number {
  const a = node.args[i];
  const v =
    a === undefined || a === null
      ? (node.kwargs[key] ?? dflt)
      : typeof a === 'object' && !Array.isArray(a) && !('graph' in a)
        ? ((a as Record<string, unknown>)[key] ?? dflt)
        : a;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new OnnxExportError(node, `${key} must be a literal number`);
  return v;
}

function elu(ctx: ExportContext, node: Node, alpha: number): OnnxValue {
  const x = ctx.float(node.args[0], node);
  return float(ctx.b.op('Elu', [x], node.name, { alpha: { float: alpha } }));
}
function leaky(ctx: ExportContext, node: Node, slope: number): OnnxValue {
  const x = ctx.float(node.args[0], node);
  return float(ctx.b.op('LeakyRelu', [x], node.name, { alpha: { float: slope } }));
}

/** A weight / bias: a module's tensor, a graph argument (get_attr node) or none. */
type Affine = Tensor | Argument | null | undefined;

function affine_value(ctx: ExportContext, node: Node, a: Affine, hint: string): string | null {
  if (a === null || a === undefined) return null;
  if (a instanceof Tensor) return ctx.b.initializer(hint, a.detach().contiguous().data as Float32Array, a.shape);
  return ctx.float(a, node);
}

/**
 * Normalizes each group of C / groups channels of x [N, C, *] over its values, then weight · y + bias per channel:
 * InstanceNormalization directly when every channel is its own group, else over x reshaped to [N, groups, −1].
 */
function group_norm(
  ctx: ExportContext,
  node: Node,
  groups: number,
  weight: Affine,
  bias: Affine,
  eps: number,
): OnnxValue {
  const b = ctx.b;
  const hint = ctx.hint(node);
  const x = ctx.float(node.args[0], node);
  const shape = ctx.tensor(node.args[0] as Node).shape;
  const c = shape[1];
  const w = affine_value(ctx, node, weight, `${hint}.weight`);
  const bb = affine_value(ctx, node, bias, `${hint}.bias`);
  const ones = (n: number) => b.constant(new Float32Array(n).fill(1), [n]);
  const zeros = (n: number) => b.constant(new Float32Array(n), [n]);
  const attrs = { epsilon: { float: eps } };
  if (groups === c) return float(b.op('InstanceNormalization', [x, w ?? ones(c), bb ?? zeros(c)], hint, attrs));
  const xr = b.op('Reshape', [x, b.int64s([0, groups, -1])], `${hint}_groups`);
  const n = b.op('InstanceNormalization', [xr, ones(groups), zeros(groups)], `${hint}_norm`, attrs);
  let y = b.op('Reshape', [n, b.op('Shape', [x], `${hint}_shape`)], hint);
  // per-channel affine: weight / bias as [C, 1, …] against [N, C, *]
  const per_channel = [c, ...shape.slice(2).map(() => 1)];
  if (w) y = b.op('Mul', [y, b.op('Reshape', [w, b.int64s(per_channel)], `${hint}_w`)], hint);
  if (bb) y = b.op('Add', [y, b.op('Reshape', [bb, b.int64s(per_channel)], `${hint}_b`)], hint);
  return float(y);
}

/** A float InstanceNorm module: its own statistics, or (eval with running statistics) BatchNormalization. */
function instance_module(ctx: ExportContext, node: Node, m: _InstanceNorm): OnnxValue {
  if (m.training || !m.track_running_stats || !m.running_mean || !m.running_var)
    return group_norm(ctx, node, m.num_features, m.weight, m.bias, m.eps);
  const b = ctx.b;
  const hint = ctx.hint(node);
  const c = m.num_features;
  const t = (v: Tensor | null, fill: number, what: string) =>
    v ? affine_value(ctx, node, v, `${hint}.${what}`) : b.constant(new Float32Array(c).fill(fill), [c]);
  const x = ctx.float(node.args[0], node);
  const args = [
    x,
    t(m.weight, 1, 'weight'),
    t(m.bias, 0, 'bias'),
    t(m.running_mean, 0, 'mean'),
    t(m.running_var, 1, 'var'),
  ];
  return float(b.op('BatchNormalization', args as string[], hint, { epsilon: { float: m.eps } }));
}

/** The options object of an F.* call (args[i]) merged over kwargs. */
function options(node: Node, i: number): Record<string, unknown> {
  const o = node.args[i];
  return { ...node.kwargs, ...(typeof o === 'object' && o !== null && !(o instanceof Node) ? o : {}) };
}

export const NORM_ACT_EMBED_MODULE_ENTRIES: ModuleEntry[] = [
  {
    kind: 'module',
    cls: QELU,
    fxq: 'nn.quantized.ELU',
    onnx: 'DQ + Elu + Q',
    emit: (ctx, n) => elu(ctx, n, (ctx.module(n) as QELU).alpha),
  },
  {
    kind: 'module',
    cls: ELU,
    fxq: 'nn.ELU',
    onnx: 'Elu',
    emit: (ctx, n) => elu(ctx, n, (ctx.module(n) as ELU).alpha),
  },
  {
    kind: 'module',
    cls: QLeakyReLU,
    fxq: 'nn.quantized.LeakyReLU',
    onnx: 'DQ + LeakyRelu + Q',
    emit: (ctx, n) => leaky(ctx, n, (ctx.module(n) as QLeakyReLU).negative_slope),
  },
];

const norm_module_rows: ModuleEntry[] = [
  {
    kind: 'module',
    cls: QGroupNorm,
    fxq: 'nn.quantized.GroupNorm',
    onnx: 'DQ + Reshape, InstanceNormalization, Reshape, Mul, Add + Q',
    emit: (ctx, n) => {
      const m = ctx.module(n) as QGroupNorm;
      return group_norm(ctx, n, m.num_groups, m.weight, m.bias, m.eps);
    },
  },
  {
    kind: 'module',
    cls: _QInstanceNorm,
    fxq: 'nn.quantized.InstanceNorm1d / 2d',
    onnx: 'DQ + InstanceNormalization + Q',
    emit: (ctx, n) => {
      const m = ctx.module(n) as _QInstanceNorm;
      return group_norm(ctx, n, m.num_features, m.weight, m.bias, m.eps);
    },
  },
  {
    kind: 'module',
    cls: GroupNorm,
    fxq: 'nn.GroupNorm',
    onnx: 'Reshape, InstanceNormalization, Reshape, Mul, Add',
    emit: (ctx, n) => {
      const m = ctx.module(n) as GroupNorm;
      return group_norm(ctx, n, m.num_groups, m.weight, m.bias, m.eps);
    },
  },
  {
    kind: 'module',
    cls: _InstanceNorm,
    fxq: 'nn.InstanceNorm1d / 2d',
    onnx: 'InstanceNormalization (BatchNormalization with running statistics in eval)',
    emit: (ctx, n) => instance_module(ctx, n, ctx.module(n) as _InstanceNorm),
  },
];
NORM_ACT_EMBED_MODULE_ENTRIES.push(...norm_module_rows);

export const NORM_ACT_EMBED_CALL_ENTRIES: CallEntry[] = [
  {
    kind: 'function',
    targets: ['F.group_norm'],
    onnx: 'Reshape, InstanceNormalization, Reshape, Mul, Add',
    emit: (ctx, n) => {
      const o = options(n, 2);
      return group_norm(ctx, n, n.args[1] as number, o.weight as Affine, o.bias as Affine, (o.eps as number) ?? 1e-5);
    },
  },
  {
    kind: 'function',
    targets: ['quantized.group_norm'],
    onnx: 'DQ + Reshape, InstanceNormalization, Reshape, Mul, Add + Q',
    emit: (ctx, n) =>
      group_norm(ctx, n, n.args[1] as number, n.args[2] as Affine, n.args[3] as Affine, n.args[4] as number),
  },
  {
    kind: 'function',
    targets: ['F.instance_norm'],
    onnx: 'InstanceNormalization',
    emit: (ctx, n) => {
      const o = options(n, 1);
      if (o.use_input_stats === false) throw new OnnxExportError(n, 'use_input_stats=false is not exported');
      const c = ctx.tensor(n.args[0] as Node).shape[1];
      return group_norm(ctx, n, c, o.weight as Affine, o.bias as Affine, (o.eps as number) ?? 1e-5);
    },
  },
  {
    kind: 'function',
    targets: ['quantized.instance_norm'],
    onnx: 'DQ + InstanceNormalization + Q',
    emit: (ctx, n) => {
      const c = ctx.tensor(n.args[0] as Node).shape[1];
      return group_norm(ctx, n, c, n.args[1] as Affine, n.args[2] as Affine, n.args[3] as number);
    },
  },
  { kind: 'function', targets: ['F.elu'], onnx: 'Elu', emit: (ctx, n) => elu(ctx, n, number_arg(n, 1, 'alpha', 1)) },
  {
    kind: 'function',
    targets: ['quantized.elu'],
    onnx: 'DQ + Elu + Q',
    emit: (ctx, n) => elu(ctx, n, number_arg(n, 1, 'alpha', 1)),
  },
  {
    kind: 'function',
    targets: ['quantized.leaky_relu', 'F.leaky_relu'],
    onnx: 'LeakyRelu (between DQ and Q for the int8 form)',
    emit: (ctx, n) => leaky(ctx, n, number_arg(n, 1, 'negative_slope', 0.01)),
  },
];
