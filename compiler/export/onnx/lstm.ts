/**
 * nn.LSTM and nn.quantized.dynamic.LSTM → ONNX, one node per layer. ONNX's standard domain has no int8
 * LSTM: the dynamic LSTM becomes ONNX Runtime's contrib DynamicQuantizeLSTM over its int8 weights
 * (default), or with dynamic_lstm: 'float' a standard LSTM over the dequantized weights (any runtime; the
 * weights carry fxq's quantization error but fxq's per-call activation quantization is not reproduced).
 * Gates are reordered from PyTorch's (i, f, g, o) to ONNX's (i, o, f, c);
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

/** One layer's int8 weights as DynamicQuantizeLSTM wants them: W [D, I, 4H], R [D, H, 4H], gates i o f c. */
function int8_layer(m: DynamicRNNBase, l: number, D: number, H: number, I: number, node: Node) {
  const W = new Int8Array(D * I * 4 * H);
  const R = new Int8Array(D * H * 4 * H);
  const ws = new Float32Array(D * 4 * H);
  const rs = new Float32Array(D * 4 * H);
  const put = (w: Tensor, cols: number, dst: Int8Array, scales: Float32Array, d: number) => {
    const q = w.quantizer;
    if (!q || w.dtype !== 'qint8') throw new OnnxExportError(node, 'dynamic LSTM weights must be qint8');
    if ((q.kind === 'per_tensor' ? q.zero_point : Math.max(...Array.from(q.zero_points, Math.abs))) !== 0)
      throw new OnnxExportError(node, 'DynamicQuantizeLSTM needs symmetric (zero point 0) weights');
    const src = w.int_repr().contiguous().data as Int8Array;
    ORDER.forEach((g, k) => {
      for (let r = 0; r < H; r++) {
        const row = g * H + r;
        const col = k * H + r; // output column in [cols, 4H]
        scales[d * 4 * H + col] = q.kind === 'per_tensor' ? q.scale : q.scales[row];
        for (let c = 0; c < cols; c++) dst[d * cols * 4 * H + c * 4 * H + col] = src[row * cols + c];
      }
    });
  };
  for (let d = 0; d < D; d++) {
    const w = m._all_weight_values[l * D + d];
    put(w.ih.weight, I, W, ws, d);
    put(w.hh.weight, H, R, rs, d);
  }
  return { W, R, ws, rs };
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
    const attrs = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
    const outs = [`${hint}.Y_l${l}`, `${hint}.h_l${l}`, `${hint}.c_l${l}`];
    let y: string;
    let yh: string;
    let yc: string;
    if (m instanceof DynLSTM && ctx.dynamic_lstm === 'int8') {
      const q = int8_layer(m, l, D, H, I, node);
      const ins = [
        x,
        b.initializer(`${hint}.W_int8_l${l}`, q.W, [D, I, 4 * H]),
        b.initializer(`${hint}.R_int8_l${l}`, q.R, [D, H, 4 * H]),
        b.initializer(`${hint}.B_l${l}`, B, [D, 8 * H]),
        '',
        '',
        '',
        '',
        b.initializer(`${hint}.W_scale_l${l}`, q.ws, [D, 4 * H]),
        b.initializer(`${hint}.W_zero_point_l${l}`, new Int8Array(D * 4 * H), [D, 4 * H]),
        b.initializer(`${hint}.R_scale_l${l}`, q.rs, [D, 4 * H]),
        b.initializer(`${hint}.R_zero_point_l${l}`, new Int8Array(D * 4 * H), [D, 4 * H]),
      ];
      [y, yh, yc] = b.node('DynamicQuantizeLSTM', ins, outs, attrs, { domain: 'com.microsoft' });
    } else {
      const ins = [
        x,
        b.initializer(`${hint}.W_l${l}`, W, [D, 4 * H, I]),
        b.initializer(`${hint}.R_l${l}`, R, [D, 4 * H, H]),
        b.initializer(`${hint}.B_l${l}`, B, [D, 8 * H]),
      ];
      [y, yh, yc] = b.node('LSTM', ins, outs, attrs);
    }
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
    onnx: "com.microsoft DynamicQuantizeLSTM (int8 weights); dynamic_lstm: 'float' → LSTM over dequantized weights",
    emit: emit_lstm,
  },
  { kind: 'module', cls: LSTM, fxq: 'nn.LSTM', onnx: 'LSTM (+ Transpose for batch_first)', emit: emit_lstm },
];
