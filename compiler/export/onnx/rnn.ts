/**
 * nn.LSTM / nn.GRU / nn.RNN and their dynamic int8 forms → ONNX, one node per layer (recurrent.ts).
 * The dynamic LSTM becomes ONNX Runtime's contrib DynamicQuantizeLSTM over its int8 weights (default),
 * or with dynamic_lstm: 'float' a standard LSTM over the dequantized weights; the dynamic GRU / RNN have
 * no int8 ONNX op anywhere, so they are always the float GRU / RNN over the dequantized weights (fxq's
 * per-call activation quantization is then not reproduced). batch_first inputs are transposed to ONNX's
 * [T, N, I] (ONNX Runtime's CPU kernels take layout 0 only). Initial states (hx) become initial_h /
 * initial_c, sliced per layer.
 */

import { GRU, LSTM, RNN, type RNNBase } from '../../../runtime/nn/layers/rnn.js';
import {
  type DynamicRNNBase,
  GRU as DynGRU,
  LSTM as DynLSTM,
  RNN as DynRNN,
} from '../../../runtime/quantized/modules/dynamic/rnn.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { type Argument, Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import type { ModuleEntry } from './op_entry.js';
import { type DirectionWeights, emit_layer } from './recurrent.js';

function directions(m: RNNBase | DynamicRNNBase, l: number): DirectionWeights[] {
  const D = m.bidirectional ? 2 : 1;
  return Array.from({ length: D }, (_, d) => {
    if ('_all_weight_values' in m) return m._all_weight_values[l * D + d];
    const p = (k: string) => m._param(k, l, d) as Tensor | null;
    return {
      ih: { weight: p('weight_ih') as Tensor, bias: p('bias_ih') },
      hh: { weight: p('weight_hh') as Tensor, bias: p('bias_hh') },
    };
  });
}

/** The float ONNX tensor of one part of a state argument (a node, or an item of a tuple node). */
function state_part(ctx: ExportContext, arg: Argument, node: Node, what: string): string {
  const v = ctx.value(arg, node);
  if (v.kind === 'float') return v.name;
  if (v.kind === 'quant') return ctx.float(arg, node);
  throw new OnnxExportError(node, `${what} must be a tensor`);
}

/**
 * The initial states of a recurrent call (args[1] or kwargs.hx): h, and c for an LSTM ([h, c] as a list
 * of nodes or as one tuple-valued node). Null when absent.
 */
export function initial_states(ctx: ExportContext, node: Node, lstm: boolean): { h: string | null; c: string | null } {
  const hx = (node.args.length > 1 ? node.args[1] : node.kwargs.hx) ?? null;
  if (hx === null) return { h: null, c: null };
  if (!lstm) return { h: state_part(ctx, hx, node, 'hx'), c: null };
  if (Array.isArray(hx) && hx.length === 2)
    return { h: state_part(ctx, hx[0], node, 'hx[0]'), c: state_part(ctx, hx[1], node, 'hx[1]') };
  const v = hx instanceof Node ? ctx.value(hx, node) : null;
  if (v?.kind === 'tuple' && v.items.length === 2 && v.items.every((i) => i.kind === 'float'))
    return {
      h: (v.items[0] as { name: string }).name,
      c: (v.items[1] as { name: string }).name,
    };
  throw new OnnxExportError(node, 'an LSTM state hx must be [h_0, c_0] (float tensors)');
}

function emit_rnn(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as RNNBase | DynamicRNNBase;
  const b = ctx.b;
  const lstm = m.mode === 'LSTM';
  if (node.args.length > 2) throw new OnnxExportError(node, 'expected (input, hx)');
  if (m.dropout !== 0 && m.training) throw new OnnxExportError(node, `${m.mode} dropout in training mode`);
  const x_rt = ctx.tensor(node.args[0] as Node);
  if (x_rt.ndim !== 3)
    throw new OnnxExportError(node, `only batched [N, T, I] / [T, N, I] ${m.mode} inputs are exported`);
  const H = m.hidden_size;
  const D = m.bidirectional ? 2 : 1;
  const hint = node.target;
  const state = initial_states(ctx, node, lstm);
  // layer l's initial states are rows [l·D, (l+1)·D) of the [L·D, N, H] state
  const rows = (s: string | null, l: number, what: string) =>
    s === null || m.num_layers === 1
      ? s
      : b.op('Slice', [s, b.int64s([l * D]), b.int64s([(l + 1) * D]), b.int64s([0])], `${hint}.${what}_l${l}`);
  let x = ctx.float(node.args[0], node);
  if (m.batch_first) x = b.op('Transpose', [x], `${hint}.input_tnf`, { perm: [1, 0, 2] });
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < m.num_layers; l++) {
    const I = l === 0 ? m.input_size : H * D;
    const r = emit_layer(ctx, node, m.mode, directions(m, l), H, I, {
      x,
      h0: rows(state.h, l, 'h0'),
      c0: rows(state.c, l, 'c0'),
      hint: `${hint}_l${l}`,
      int8: m instanceof DynLSTM && ctx.dynamic_lstm === 'int8',
    });
    hs.push(r.h);
    if (r.c) cs.push(r.c);
    // Y is [T, D, N, H]: the next layer (and the output) takes [T, N, D·H]
    const tnd = b.op('Transpose', [r.y], `${hint}.Y_tnd_l${l}`, { perm: [0, 2, 1, 3] });
    x = b.op('Reshape', [tnd, b.int64s([0, 0, -1])], `${hint}.out_l${l}`);
  }
  const out = m.batch_first ? b.op('Transpose', [x], `${hint}.output`, { perm: [1, 0, 2] }) : x;
  const cat = (parts: string[], what: string) =>
    parts.length === 1 ? parts[0] : b.op('Concat', parts, `${hint}.${what}`, { axis: 0 });
  const h_n: OnnxValue = { kind: 'float', name: cat(hs, 'h_n') };
  const second: OnnxValue = lstm ? { kind: 'tuple', items: [h_n, { kind: 'float', name: cat(cs, 'c_n') }] } : h_n;
  return { kind: 'tuple', items: [{ kind: 'float', name: out }, second] };
}

const DYNAMIC_FLOAT = 'over the dequantized weights (ONNX has no int8 form)';

export const RNN_ENTRIES: ModuleEntry[] = [
  {
    kind: 'module',
    cls: DynLSTM,
    fxq: 'nn.quantized.dynamic.LSTM',
    onnx: "com.microsoft DynamicQuantizeLSTM (int8 weights); dynamic_lstm: 'float' → LSTM over dequantized weights",
    emit: emit_rnn,
  },
  { kind: 'module', cls: DynGRU, fxq: 'nn.quantized.dynamic.GRU', onnx: `GRU ${DYNAMIC_FLOAT}`, emit: emit_rnn },
  { kind: 'module', cls: DynRNN, fxq: 'nn.quantized.dynamic.RNN', onnx: `RNN ${DYNAMIC_FLOAT}`, emit: emit_rnn },
  { kind: 'module', cls: LSTM, fxq: 'nn.LSTM', onnx: 'LSTM (+ Transpose for batch_first)', emit: emit_rnn },
  { kind: 'module', cls: GRU, fxq: 'nn.GRU', onnx: 'GRU (linear_before_reset = 1)', emit: emit_rnn },
  { kind: 'module', cls: RNN, fxq: 'nn.RNN', onnx: 'RNN (activations Tanh / Relu)', emit: emit_rnn },
];
