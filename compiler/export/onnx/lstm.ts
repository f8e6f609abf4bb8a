/**
 * nn.LSTM and nn.quantized.dynamic.LSTM → ONNX LSTM, one node per layer. ONNX Runtime has no int8 LSTM
 * in the standard domain, so the dynamic LSTM exports as a float LSTM over its dequantized int8 weights
 * (the weights carry fxq's quantization error; the per-step activation quantization of fxq's dynamic
 * kernel is not reproduced). Gates are reordered from PyTorch's (i, f, g, o) to ONNX's (i, o, f, c);
 * batch_first inputs are transposed to ONNX's [T, N, I] (ONNX Runtime's CPU LSTM takes layout 0 only).
 */

import { LSTM, type RNNBase } from '../../../runtime/nn/layers/rnn.js';
import { type DynamicRNNBase, LSTM as DynLSTM } from '../../../runtime/quantized/modules/dynamic/rnn.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import type { Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import type { ModuleEntry } from './op_entry.js';

/** Float weights of one layer and direction: [4H, in], [4H, H], biases [4H] (or null). */
interface Gates {
  w_ih: Float32Array;
  w_hh: Float32Array;
  b_ih: Float32Array | null;
  b_hh: Float32Array | null;
}

const f32 = (t: Tensor): Float32Array => (t.is_quantized ? t.dequantize() : t).contiguous().data as Float32Array;

function float_gates(m: RNNBase, l: number, d: number): Gates {
  const p = (k: string) => m._param(k, l, d);
  return {
    w_ih: f32(p('weight_ih') as Tensor),
    w_hh: f32(p('weight_hh') as Tensor),
    b_ih: p('bias_ih') ? f32(p('bias_ih') as Tensor) : null,
    b_hh: p('bias_hh') ? f32(p('bias_hh') as Tensor) : null,
  };
}

function dynamic_gates(m: DynamicRNNBase, l: number, d: number): Gates {
  const w = m._all_weight_values[l * (m.bidirectional ? 2 : 1) + d];
  return {
    w_ih: f32(w.ih.weight),
    w_hh: f32(w.hh.weight),
    b_ih: w.ih.bias ? f32(w.ih.bias) : null,
    b_hh: w.hh.bias ? f32(w.hh.bias) : null,
  };
}

/** PyTorch gate blocks (i, f, g, o) → ONNX (i, o, f, c): rows of H·cols each. */
const ORDER = [0, 3, 1, 2];
function reorder(src: Float32Array, H: number, cols: number, dst: Float32Array, at: number): void {
  const block = H * cols;
  ORDER.forEach((g, k) => {
    dst.set(src.subarray(g * block, (g + 1) * block), at + k * block);
  });
}

function emit_lstm(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as RNNBase | DynamicRNNBase;
  const b = ctx.b;
  if (node.args.length > 1 || Object.keys(node.kwargs).length)
    throw new OnnxExportError(node, 'an LSTM with initial states (hx) is not exported');
  if (m.dropout !== 0 && m.training) throw new OnnxExportError(node, 'LSTM dropout in training mode');
  const x_rt = ctx.tensor(node.args[0] as Node);
  if (x_rt.ndim !== 3) throw new OnnxExportError(node, 'only batched [N, T, I] / [T, N, I] LSTM inputs are exported');
  const H = m.hidden_size;
  const D = m.bidirectional ? 2 : 1;
  const hint = node.target;
  const gates = (l: number, d: number) =>
    m instanceof DynLSTM ? dynamic_gates(m, l, d) : float_gates(m as RNNBase, l, d);
  let x = ctx.float(node.args[0], node);
  if (m.batch_first) x = b.op('Transpose', [x], `${hint}.input_tnf`, { perm: [1, 0, 2] });
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < m.num_layers; l++) {
    const I = l === 0 ? m.input_size : H * D;
    const W = new Float32Array(D * 4 * H * I);
    const R = new Float32Array(D * 4 * H * H);
    const B = new Float32Array(D * 8 * H);
    for (let d = 0; d < D; d++) {
      const g = gates(l, d);
      reorder(g.w_ih, H, I, W, d * 4 * H * I);
      reorder(g.w_hh, H, H, R, d * 4 * H * H);
      if (g.b_ih) reorder(g.b_ih, H, 1, B, d * 8 * H);
      if (g.b_hh) reorder(g.b_hh, H, 1, B, d * 8 * H + 4 * H);
    }
    const ins = [
      x,
      b.initializer(`${hint}.W_l${l}`, W, [D, 4 * H, I]),
      b.initializer(`${hint}.R_l${l}`, R, [D, 4 * H, H]),
      b.initializer(`${hint}.B_l${l}`, B, [D, 8 * H]),
    ];
    const [y, yh, yc] = b.node('LSTM', ins, [`${hint}.Y_l${l}`, `${hint}.h_l${l}`, `${hint}.c_l${l}`], {
      hidden_size: H,
      direction: D === 2 ? 'bidirectional' : 'forward',
    });
    hs.push(yh);
    cs.push(yc);
    // Y is [T, D, N, H]: the next layer (and the output) takes [T, N, D·H]
    const tnd = b.op('Transpose', [y], `${hint}.Y_tnd_l${l}`, { perm: [0, 2, 1, 3] });
    x = b.op('Reshape', [tnd, b.int64s([0, 0, -1])], `${hint}.out_l${l}`);
  }
  const out = m.batch_first ? b.op('Transpose', [x], `${hint}.output`, { perm: [1, 0, 2] }) : x;
  const cat = (parts: string[], what: string) =>
    parts.length === 1 ? parts[0] : b.op('Concat', parts, `${hint}.${what}`, { axis: 0 });
  return {
    kind: 'tuple',
    items: [
      { kind: 'float', name: out },
      {
        kind: 'tuple',
        items: [
          { kind: 'float', name: cat(hs, 'h_n') },
          { kind: 'float', name: cat(cs, 'c_n') },
        ],
      },
    ],
  };
}

export const LSTM_ENTRIES: ModuleEntry[] = [
  {
    kind: 'module',
    cls: DynLSTM,
    fxq: 'nn.quantized.dynamic.LSTM',
    onnx: 'LSTM over the dequantized int8 weights (float; ORT has no int8 LSTM)',
    emit: emit_lstm,
  },
  { kind: 'module', cls: LSTM, fxq: 'nn.LSTM', onnx: 'LSTM (+ Transpose for batch_first)', emit: emit_lstm },
];
