/**
 * Export rows of Embedding and EmbeddingBag (float and weight-only int8). A quantized table becomes
 * DequantizeLinear(q as int32, row scales, axis 0) + the row bias (ONNX Runtime folds both to a constant), then
 * Gather; a bag is Gather over [B, L] indices then ReduceSum / ReduceMean / ReduceMax over L (1-D indices with
 * offsets, and padding_idx, are not exported). Indices are int64 graph inputs.
 */
import { f16_value, packed_row_bytes } from '../../../runtime/backends/js/int8/embedding_bag.js';
import { Embedding } from '../../../runtime/nn/layers/misc.js';
import { EmbeddingBag } from '../../../runtime/nn/layers/upsample_bag.js';
import {
  Embedding as QEmbedding,
  EmbeddingBag as QEmbeddingBag,
} from '../../../runtime/quantized/modules/embedding.js';
import type { Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import type { ModuleEntry } from './op_entry.js';

const float = (name: string): OnnxValue => ({ kind: 'float', name });

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

export const EMBEDDING_MODULE_ENTRIES: ModuleEntry[] = [
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
];
