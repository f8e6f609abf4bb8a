/**
 * One recurrent layer (LSTM / GRU / Elman RNN, one or two directions) as one ONNX node, shared by the
 * sequence modules (rnn.ts) and the cells (rnn_cells.ts, a one-step sequence). PyTorch's gate blocks are
 * reordered to ONNX's: LSTM (i, f, g, o) → (i, o, f, c); GRU (r, z, n) → (z, r, h) with
 * linear_before_reset = 1, which is PyTorch's n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); an RNN has
 * one block, its nonlinearity the `activations` attribute. A dynamic int8 LSTM can instead become ONNX
 * Runtime's contrib DynamicQuantizeLSTM over the int8 weights (ONNX has no int8 GRU / RNN, nor does ORT).
 */

import type { Tensor } from '../../../runtime/tensor/tensor.js';
import type { Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError } from './context.js';

/** fxq's recurrent modes (RnnMode / DynamicRnnMode). */
export type RecurrentMode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';

/** One projection's weight [G·H, cols] (float, or qint8 for a dynamic module) and bias [G·H]. */
export interface Projection {
  weight: Tensor;
  bias: Tensor | null;
}

/** The two projections of one layer and direction. */
export interface DirectionWeights {
  ih: Projection;
  hh: Projection;
}

const SPEC: Record<RecurrentMode, { op: string; order: number[]; act?: string }> = {
  LSTM: { op: 'LSTM', order: [0, 3, 1, 2] },
  GRU: { op: 'GRU', order: [1, 0, 2] },
  RNN_TANH: { op: 'RNN', order: [0], act: 'Tanh' },
  RNN_RELU: { op: 'RNN', order: [0], act: 'Relu' },
};

const f32 = (t: Tensor): Float32Array => (t.is_quantized ? t.dequantize() : t).contiguous().data as Float32Array;

/** PyTorch gate blocks → ONNX's order: rows of H·cols each. */
function reorder(order: number[], src: Float32Array, H: number, cols: number, dst: Float32Array, at: number): void {
  const block = H * cols;
  order.forEach((g, k) => {
    dst.set(src.subarray(g * block, (g + 1) * block), at + k * block);
  });
}

/** The int8 weights as DynamicQuantizeLSTM wants them: W [D, I, 4H], R [D, H, 4H], gates i o f c. */
function int8_lstm(dirs: DirectionWeights[], H: number, I: number, node: Node) {
  const D = dirs.length;
  const order = SPEC.LSTM.order;
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
    order.forEach((g, k) => {
      for (let r = 0; r < H; r++) {
        const row = g * H + r;
        const col = k * H + r; // output column in [cols, 4H]
        scales[d * 4 * H + col] = q.kind === 'per_tensor' ? q.scale : q.scales[row];
        for (let c = 0; c < cols; c++) dst[d * cols * 4 * H + c * 4 * H + col] = src[row * cols + c];
      }
    });
  };
  dirs.forEach((w, d) => {
    put(w.ih.weight, I, W, ws, d);
    put(w.hh.weight, H, R, rs, d);
  });
  return { W, R, ws, rs };
}

export interface LayerIO {
  /** X [T, N, I] */
  x: string;
  /** initial_h / initial_c [D, N, H], or null for zeros */
  h0: string | null;
  c0: string | null;
  /** a name hint, e.g. `${module path}_l0` */
  hint: string;
  /** write a dynamic LSTM as DynamicQuantizeLSTM over its int8 weights */
  int8: boolean;
}

/** Emits one layer; returns ONNX's Y [T, D, N, H], Y_h [D, N, H] and (LSTM) Y_c. */
export function emit_layer(
  ctx: ExportContext,
  node: Node,
  mode: RecurrentMode,
  dirs: DirectionWeights[],
  H: number,
  I: number,
  io: LayerIO,
): { y: string; h: string; c: string | null } {
  const b = ctx.b;
  const spec = SPEC[mode];
  const D = dirs.length;
  const G = spec.order.length;
  const W = new Float32Array(D * G * H * I);
  const R = new Float32Array(D * G * H * H);
  const B = new Float32Array(D * 2 * G * H);
  dirs.forEach((w, d) => {
    reorder(spec.order, f32(w.ih.weight), H, I, W, d * G * H * I);
    reorder(spec.order, f32(w.hh.weight), H, H, R, d * G * H * H);
    if (w.ih.bias) reorder(spec.order, f32(w.ih.bias), H, 1, B, d * 2 * G * H);
    if (w.hh.bias) reorder(spec.order, f32(w.hh.bias), H, 1, B, d * 2 * G * H + G * H);
  });
  const attrs: Parameters<typeof b.node>[3] = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
  if (mode === 'GRU') attrs.linear_before_reset = 1;
  if (spec.act && spec.act !== 'Tanh') attrs.activations = { strings: dirs.map(() => spec.act as string) };
  const lstm = mode === 'LSTM';
  const outs = [`${io.hint}.Y`, `${io.hint}.h`, ...(lstm ? [`${io.hint}.c`] : [])];
  const states = [io.h0 ?? '', ...(lstm ? [io.c0 ?? ''] : [])];
  const bias = b.initializer(`${io.hint}.B`, B, [D, 2 * G * H]);
  let res: string[];
  if (lstm && io.int8) {
    const q = int8_lstm(dirs, H, I, node);
    const ins = [
      io.x,
      b.initializer(`${io.hint}.W_int8`, q.W, [D, I, 4 * H]),
      b.initializer(`${io.hint}.R_int8`, q.R, [D, H, 4 * H]),
      bias,
      '',
      ...states,
      '',
      b.initializer(`${io.hint}.W_scale`, q.ws, [D, 4 * H]),
      b.initializer(`${io.hint}.W_zero_point`, new Int8Array(D * 4 * H), [D, 4 * H]),
      b.initializer(`${io.hint}.R_scale`, q.rs, [D, 4 * H]),
      b.initializer(`${io.hint}.R_zero_point`, new Int8Array(D * 4 * H), [D, 4 * H]),
    ];
    res = b.node('DynamicQuantizeLSTM', ins, outs, attrs, { domain: 'com.microsoft' });
  } else {
    const ins = [
      io.x,
      b.initializer(`${io.hint}.W`, W, [D, G * H, I]),
      b.initializer(`${io.hint}.R`, R, [D, G * H, H]),
      bias,
    ];
    // optional inputs: sequence_lens omitted (''), then the initial states when given
    if (states.some((s) => s !== '')) ins.push('', ...states);
    res = b.node(spec.op, ins, outs, attrs);
  }
  return { y: res[0], h: res[1], c: lstm ? res[2] : null };
}
