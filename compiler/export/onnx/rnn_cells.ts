/**
 * nn.LSTMCell / GRUCell / RNNCell and their dynamic int8 forms → a one-step ONNX LSTM / GRU / RNN
 * (recurrent.ts): the input [N, I] (or unbatched [I]) and the states are unsqueezed to a sequence of one,
 * ONNX's Y_h (and Y_c) squeezed back. A dynamic LSTMCell follows dynamic_lstm as the dynamic LSTM does
 * (DynamicQuantizeLSTM over its int8 weights by default); the dynamic GRUCell / RNNCell are the float op
 * over the dequantized weights.
 */

import { GRUCell, LSTMCell, RNNCell, type RNNCellBase } from '../../../runtime/nn/layers/rnn_cell.js';
import {
  type DynamicRNNCellBase,
  GRUCell as DynGRUCell,
  LSTMCell as DynLSTMCell,
  RNNCell as DynRNNCell,
} from '../../../runtime/quantized/modules/dynamic/rnn_cell.js';
import type { Node } from '../../ir/node.js';
import { type ExportContext, OnnxExportError, type OnnxValue } from './context.js';
import type { ModuleEntry } from './op_entry.js';
import { type DirectionWeights, emit_layer, type RecurrentMode } from './recurrent.js';
import { initial_states } from './rnn.js';

function mode_of(m: RNNCellBase | DynamicRNNCellBase): RecurrentMode {
  if ('mode' in m) return m.mode;
  if (m instanceof LSTMCell) return 'LSTM';
  if (m instanceof GRUCell) return 'GRU';
  return (m as RNNCell).nonlinearity === 'relu' ? 'RNN_RELU' : 'RNN_TANH';
}

function weights(m: RNNCellBase | DynamicRNNCellBase): DirectionWeights {
  if ('_packed_weight_ih' in m) return { ih: m._packed_weight_ih, hh: m._packed_weight_hh };
  return { ih: { weight: m.weight_ih, bias: m.bias_ih }, hh: { weight: m.weight_hh, bias: m.bias_hh } };
}

function emit_cell(ctx: ExportContext, node: Node): OnnxValue {
  const m = ctx.module(node) as RNNCellBase | DynamicRNNCellBase;
  const b = ctx.b;
  const mode = mode_of(m);
  if (node.args.length > 2) throw new OnnxExportError(node, 'expected (input, hx)');
  const x_rt = ctx.tensor(node.args[0] as Node);
  if (x_rt.ndim !== 1 && x_rt.ndim !== 2) throw new OnnxExportError(node, 'a cell input must be [N, I] or [I]');
  // a sequence of one: [N, I] → [1, N, I]; unbatched [I] → [1, 1, I]
  const axes = b.int64s(x_rt.ndim === 2 ? [0] : [0, 1]);
  const hint = node.target;
  const seq = (s: string | null, what: string) => (s === null ? null : b.op('Unsqueeze', [s, axes], `${hint}.${what}`));
  const state = initial_states(ctx, node, mode === 'LSTM');
  const r = emit_layer(ctx, node, mode, [weights(m)], m.hidden_size, m.input_size, {
    x: seq(ctx.float(node.args[0], node), 'x_seq') as string,
    h0: seq(state.h, 'h0'),
    c0: seq(state.c, 'c0'),
    hint,
    int8: m instanceof DynLSTMCell && ctx.dynamic_lstm === 'int8',
  });
  const h: OnnxValue = { kind: 'float', name: b.op('Squeeze', [r.h, axes], `${hint}.h_next`) };
  if (r.c === null) return h;
  return { kind: 'tuple', items: [h, { kind: 'float', name: b.op('Squeeze', [r.c, axes], `${hint}.c_next`) }] };
}

const ONE_STEP = 'with seq_len 1 (Unsqueeze / Squeeze around it)';

export const RNN_CELL_ENTRIES: ModuleEntry[] = [
  {
    kind: 'module',
    cls: DynLSTMCell,
    fxq: 'nn.quantized.dynamic.LSTMCell',
    onnx: `one-step DynamicQuantizeLSTM (dynamic_lstm: 'float' → LSTM over dequantized weights) ${ONE_STEP}`,
    emit: emit_cell,
  },
  {
    kind: 'module',
    cls: DynGRUCell,
    fxq: 'nn.quantized.dynamic.GRUCell',
    onnx: `one-step GRU over dequantized weights ${ONE_STEP}`,
    emit: emit_cell,
  },
  {
    kind: 'module',
    cls: DynRNNCell,
    fxq: 'nn.quantized.dynamic.RNNCell',
    onnx: `one-step RNN over dequantized weights ${ONE_STEP}`,
    emit: emit_cell,
  },
  { kind: 'module', cls: LSTMCell, fxq: 'nn.LSTMCell', onnx: `one-step LSTM ${ONE_STEP}`, emit: emit_cell },
  { kind: 'module', cls: GRUCell, fxq: 'nn.GRUCell', onnx: `one-step GRU ${ONE_STEP}`, emit: emit_cell },
  { kind: 'module', cls: RNNCell, fxq: 'nn.RNNCell', onnx: `one-step RNN ${ONE_STEP}`, emit: emit_cell },
];
