/**
 * Export rows of the transformer ops (FmnistViT's static int8 forms and the fxq config's int8 attention):
 * LayerNorm (float, nn.quantized.LayerNorm, F.layer_norm, quantized.layer_norm), quantized.matmul, the softmax
 * and GELU islands, quantized.requantize. LayerNormalization is an ONNX op from opset 17 only: below it the
 * layer norm is decomposed (ReduceMean, Sub, Mul, Add, Sqrt, Div, then Mul weight, Add bias).
 * An int8 form is its float op between the input's DequantizeLinear and the QuantizeLinear the exporter appends
 * with the node's output qparams; ONNX Runtime fuses DQ → MatMul → Q into QLinearMatMul, DQ → Softmax → Q into
 * QLinearSoftmax (its own table: not fxq's rounding), the others stay float between Q / DQ. The table forms
 * (quantized.gelu_island, quantized.requantize) are fxq's own 256-entry table as a Gather over the uint8 bytes:
 * bit-exact to fxq.
 */
import { LayerNorm } from '../../../runtime/nn/layers/normalization.js';
import { float_island_lut, gelu_lut } from '../../../runtime/quantized/functional/float_islands.js';
import { LayerNorm as QLayerNorm } from '../../../runtime/quantized/modules/layer_norm.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { type Argument, Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import type { CallEntry, ModuleEntry } from './op_entry.js';
import { DataType } from './schema.js';

const float = (name: string): OnnxValue => ({ kind: 'float', name });

/** A layer norm's weight / bias: a module tensor, a graph argument (get_attr node, literal tensor), or none. */
type Affine = Tensor | Argument | null | undefined;

function affine(ctx: ExportContext, node: Node, a: Affine, hint: string): string | null {
  if (a === null || a === undefined) return null;
  if (a instanceof Tensor) return ctx.b.initializer(hint, a.detach().contiguous().data as Float32Array, a.shape);
  return ctx.float(a, node);
}

function normalized_dims(node: Node, ns: unknown): number[] {
  const list = typeof ns === 'number' ? [ns] : ns;
  if (!Array.isArray(list) || list.length === 0 || !list.every((d) => Number.isInteger(d) && d > 0))
    throw new OnnxExportError(node, `normalized_shape must be literal positive integers, got ${String(ns)}`);
  return list as number[];
}

/**
 * (x − mean) / √(var + eps) · weight + bias over the trailing normalized_shape dims of node's first argument:
 * LayerNormalization (axis = −len) from opset 17, the decomposition below it.
 */
export function layer_norm(
  ctx: ExportContext,
  node: Node,
  normalized_shape: unknown,
  weight: Affine,
  bias: Affine,
  eps: number,
): string {
  const b = ctx.b;
  const hint = ctx.hint(node);
  const ns = normalized_dims(node, normalized_shape);
  if (typeof eps !== 'number' || !Number.isFinite(eps)) throw new OnnxExportError(node, 'eps must be a literal number');
  const x = ctx.float(node.args[0], node);
  const rank = ctx.tensor(node.args[0] as Node).ndim;
  const w = affine(ctx, node, weight, `${hint}.weight`);
  const bb = affine(ctx, node, bias, `${hint}.bias`);
  if (ctx.opset >= 17) {
    const n = ns.reduce((p, d) => p * d, 1);
    const scale = w ?? b.constant(new Float32Array(n).fill(1), ns);
    const ins = bb ? [x, scale, bb] : [x, scale];
    return b.op('LayerNormalization', ins, hint, { axis: -ns.length, epsilon: { float: eps } });
  }
  const axes = ns.map((_, i) => rank - ns.length + i);
  const d = b.op('Sub', [x, ctx.reduce_mean(x, axes, true, `${hint}_mean`)], `${hint}_d`);
  const v = ctx.reduce_mean(b.op('Mul', [d, d], `${hint}_d2`), axes, true, `${hint}_var`);
  const std = b.op('Sqrt', [b.op('Add', [v, b.constant(Float32Array.of(eps))], `${hint}_ve`)], `${hint}_std`);
  let y = b.op('Div', [d, std], `${hint}_n`);
  if (w) y = b.op('Mul', [y, w], hint);
  if (bb) y = b.op('Add', [y, bb], hint);
  return y;
}

/** F.layer_norm(x, normalized_shape, {weight, bias, eps}) (options object or kwargs). */
function f_layer_norm(ctx: ExportContext, n: Node): OnnxValue {
  const o = n.args[2];
  const opts = { ...n.kwargs, ...(typeof o === 'object' && o !== null && !(o instanceof Node) ? o : {}) } as Record<
    string,
    unknown
  >;
  const ns = n.args[1] ?? n.kwargs.normalized_shape;
  return float(layer_norm(ctx, n, ns, opts.weight as Affine, opts.bias as Affine, (opts.eps as number) ?? 1e-5));
}

/** A literal integer dim at args[i] (or kwargs.dim). */
function dim_arg(n: Node, i: number): number {
  const d = n.args[i] ?? n.kwargs.dim;
  if (typeof d !== 'number' || !Number.isInteger(d)) throw new OnnxExportError(n, 'dim must be a literal integer');
  return d;
}

/**
 * y = lut[x] on the uint8 bytes of a quantized per-tensor input, lut = fxq's table from (input, output) qparams:
 * Cast(uint8 → int32) → Gather(lut), no DequantizeLinear / QuantizeLinear.
 */
function table(ctx: ExportContext, n: Node, make: (inp: QP, out: QP, numel: number) => Uint8Array): OnnxValue {
  const v = ctx.value(n.args[0], n);
  const q = ctx.tensor(n).quantizer;
  if (v.kind !== 'quant' || v.qp.kind !== 'per_tensor' || v.qp.dtype !== 'uint8' || q?.kind !== 'per_tensor')
    throw new OnnxExportError(n, 'expects a per-tensor quint8 input and output');
  const inp = { scale: v.qp.scale, zero_point: v.qp.zero_point };
  const out = { scale: q.scale, zero_point: q.zero_point };
  const lut = ctx.b.initializer(`${n.name}.table`, make(inp, out, ctx.tensor(n).numel()), [256]);
  const idx = ctx.b.op('Cast', [v.name], `${n.name}_idx`, { to: DataType.INT32 });
  const y = ctx.b.op('Gather', [lut, idx], `${n.name}_q`, { axis: 0 });
  return { kind: 'quant', name: y, qp: { kind: 'per_tensor', ...out, dtype: 'uint8' } };
}
type QP = { scale: number; zero_point: number };

export const TRANSFORMER_MODULE_ENTRIES: ModuleEntry[] = [
  {
    kind: 'module',
    cls: QLayerNorm,
    fxq: 'nn.quantized.LayerNorm',
    onnx: 'DQ + LayerNormalization (opset ≥ 17; decomposed below) + Q',
    emit: (ctx, n) => {
      const m = ctx.module(n) as QLayerNorm;
      return float(layer_norm(ctx, n, m.normalized_shape, m.weight, m.bias, m.eps));
    },
  },
  {
    kind: 'module',
    cls: LayerNorm,
    fxq: 'nn.LayerNorm',
    onnx: 'LayerNormalization (opset ≥ 17); ReduceMean / Sub / Mul / Add / Sqrt / Div (+ Mul, Add) below',
    emit: (ctx, n) => {
      const m = ctx.module(n) as LayerNorm;
      return float(layer_norm(ctx, n, m.normalized_shape, m.weight, m.bias, m.eps));
    },
  },
];

export const TRANSFORMER_CALL_ENTRIES: CallEntry[] = [
  {
    kind: 'function',
    targets: ['F.layer_norm'],
    onnx: 'LayerNormalization (opset ≥ 17; decomposed below)',
    emit: f_layer_norm,
  },
  {
    kind: 'function',
    targets: ['quantized.layer_norm'],
    onnx: 'DQ + LayerNormalization (opset ≥ 17; decomposed below) + Q',
    // (x, normalized_shape, weight, bias, eps, scale, zero_point)
    emit: (ctx, n) =>
      float(layer_norm(ctx, n, n.args[1], n.args[2] as Affine, n.args[3] as Affine, n.args[4] as number)),
  },
  {
    kind: 'function',
    targets: ['quantized.matmul'],
    onnx: 'DQ + MatMul + Q (QLinearMatMul)',
    emit: (ctx, n) => float(ctx.b.op('MatMul', [ctx.float(n.args[0], n), ctx.float(n.args[1], n)], n.name)),
  },
  {
    kind: 'function',
    targets: ['quantized.softmax', 'quantized.softmax_island', 'quantized.softmax_int'],
    onnx: 'DQ + Softmax + Q',
    emit: (ctx, n) => float(ctx.b.op('Softmax', [ctx.float(n.args[0], n)], n.name, { axis: dim_arg(n, 1) })),
  },
  {
    kind: 'function',
    targets: ['quantized.gelu_island'],
    onnx: 'Cast + Gather of fxq’s 256-entry GELU table (uint8 in and out)',
    emit: (ctx, n) => table(ctx, n, (i, o, numel) => gelu_lut(i, o, numel <= 1)),
  },
  {
    kind: 'function',
    targets: ['quantized.requantize'],
    onnx: 'Cast + Gather of fxq’s requantization table',
    emit: (ctx, n) => table(ctx, n, (i, o) => float_island_lut(i, o, (x) => x)),
  },
];
