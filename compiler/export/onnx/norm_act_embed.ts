/**
 * Export rows of the layers of issue #16 part 2: ELU, LeakyReLU, GroupNorm, InstanceNorm1d / 2d, Embedding and
 * EmbeddingBag (float, int8 module and quantized.* forms). GroupNorm is InstanceNormalization over [N, G, −1] then
 * the per-channel affine. A quantized embedding table becomes DequantizeLinear(q as int32, row scales, axis 0) +
 * row bias (folded to a constant by ONNX Runtime), then Gather; a bag is Gather over [B, L] indices then
 * ReduceSum / ReduceMean / ReduceMax over L (1-D indices with offsets are not exported).
 * An int8 form runs in float between the input's DequantizeLinear and the QuantizeLinear of its own output
 * qparams (the exporter appends the Q), as fxq's table computes it: dequantize → op → quantize.
 */
import { f16_value, packed_row_bytes } from '../../../runtime/backends/js/int8/embedding_bag.js';
import { _InstanceNorm, GroupNorm } from '../../../runtime/nn/layers/group_norm.js';
import { Embedding } from '../../../runtime/nn/layers/misc.js';
import { ELU, EmbeddingBag } from '../../../runtime/nn/layers/upsample_bag.js';
import { ELU as QELU, LeakyReLU as QLeakyReLU } from '../../../runtime/quantized/modules/elu_leaky_relu.js';
import {
  Embedding as QEmbedding,
  EmbeddingBag as QEmbeddingBag,
} from '../../../runtime/quantized/modules/embedding.js';
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

/** The float table of an embedding module: an initializer, or for an int8 table DequantizeLinear + row bias. */
function table(ctx: ExportContext, node: Node, m: Embedding | EmbeddingBag | QEmbedding | QEmbeddingBag): string {
  const b = ctx.b;
  const hint = ctx.hint(node);
  if (m instanceof Embedding || m instanceof EmbeddingBag)
    return b.initializer(`${hint}.weight`, m.weight.detach().contiguous().data as Float32Array, m.weight.shape);
  const [n, d] = [m.num_embeddings, m.embedding_dim];
  const bits = m.dtype === 'quint8' ? 8 : 4;
  const bytes = m._packed_weight.contiguous().data as Uint8Array;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rb = packed_row_bytes(d, bits);
  const q = new Int32Array(n * d);
  const scale = new Float32Array(n);
  const bias = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++)
      q[r * d + j] = bits === 8 ? bytes[r * rb + j] : (bytes[r * rb + (j >> 1)] >> ((j & 1) * 4)) & 15;
    const o = r * rb + (bits === 8 ? d : d / 2);
    scale[r] = bits === 8 ? view.getFloat32(o, true) : f16_value(view.getUint16(o, true));
    bias[r] = bits === 8 ? view.getFloat32(o + 4, true) : f16_value(view.getUint16(o + 2, true));
  }
  const dq = b.op(
    'DequantizeLinear',
    [b.initializer(`${hint}.qweight`, q, [n, d]), b.initializer(`${hint}.scale`, scale, [n])],
    `${hint}_dq`,
    { axis: 0 },
  );
  return b.op('Add', [dq, b.initializer(`${hint}.bias`, bias, [n, 1])], `${hint}_table`);
}

/** The int64 indices argument (a graph input or an index-producing node). */
function indices_of(ctx: ExportContext, node: Node): string {
  const v = ctx.value(node.args[0], node);
  if (v.kind !== 'ints' && v.kind !== 'float')
    throw new OnnxExportError(node, 'expects an int64 index tensor as its first argument');
  return v.name;
}

function embedding_row(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as Embedding | QEmbedding;
  const t = table(ctx, node, m);
  return float(ctx.b.op('Gather', [t, indices_of(ctx, node)], ctx.hint(node), { axis: 0 }));
}

function bag_row(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as EmbeddingBag | QEmbeddingBag;
  if (ctx.tensor(node.args[0] as Node).ndim !== 2 || (node.args[1] !== undefined && node.args[1] !== null))
    throw new OnnxExportError(node, 'only 2-D indices [bags, length] (no offsets) are exported for EmbeddingBag');
  if (m.padding_idx !== null) throw new OnnxExportError(node, 'EmbeddingBag with padding_idx is not exported');
  const b = ctx.b;
  const hint = ctx.hint(node);
  let g = b.op('Gather', [table(ctx, node, m), indices_of(ctx, node)], `${hint}_rows`, { axis: 0 });
  const w = node.args[2];
  if (w !== undefined && w !== null)
    g = b.op('Mul', [g, b.op('Unsqueeze', [ctx.float(w, node), b.int64s([2])], `${hint}_w`)], `${hint}_weighted`);
  if (m.mode === 'sum') return float(b.op('ReduceSum', [g, b.int64s([1])], hint, { keepdims: 0 }));
  const op = m.mode === 'mean' ? 'ReduceMean' : 'ReduceMax';
  return float(b.op(op, [g], hint, { axes: [1], keepdims: 0 }));
}

NORM_ACT_EMBED_MODULE_ENTRIES.push(
  {
    kind: 'module',
    cls: QEmbedding,
    fxq: 'nn.quantized.Embedding',
    onnx: 'DequantizeLinear + Add (folded), Gather',
    emit: embedding_row,
  },
  { kind: 'module', cls: Embedding, fxq: 'nn.Embedding', onnx: 'Gather', emit: embedding_row },
  {
    kind: 'module',
    cls: QEmbeddingBag,
    fxq: 'nn.quantized.EmbeddingBag',
    onnx: 'DequantizeLinear + Add (folded), Gather, ReduceSum / ReduceMean / ReduceMax',
    emit: bag_row,
  },
  {
    kind: 'module',
    cls: EmbeddingBag,
    fxq: 'nn.EmbeddingBag',
    onnx: 'Gather, ReduceSum / ReduceMean / ReduceMax',
    emit: bag_row,
  },
);

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
