/**
 * Catalogue records of the recurrent layers and cells: dynamically quantized only (qint8 weights,
 * activations quantized per call from their own min/max — torch's DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS).
 */
import { GRU, LSTM, RNN } from '../../nn/layers/rnn.js';
import { GRUCell, LSTMCell, RNNCell } from '../../nn/layers/rnn_cell.js';
import * as dyn from '../modules/dynamic/rnn.js';
import * as dyn_cell from '../modules/dynamic/rnn_cell.js';
import type { OpRecord } from './types.js';

const SEQ = [3, 2, 5]; // [T, N, input_size]
const STEP = [2, 5]; // [N, input_size]

export const lstm: OpRecord = {
  name: 'lstm',
  semantics:
    'gates i, f, g, o = σ, σ, tanh, σ of x W_ihᵀ + h W_hhᵀ + b; c′ = f·c + i·g; h′ = o·tanh(c′), per step and layer',
  static: [],
  requantizes: false,
  dynamic: [{ name: 'nn.LSTM', float: LSTM, quantized: dyn.LSTM }],
  saved: ['nn.quantized.dynamic.LSTM', 'nn.LSTM'],
  example: { input: SEQ, module: () => new LSTM(5, 4) },
};

export const gru: OpRecord = {
  name: 'gru',
  semantics: 'r, z = σ(…); n = tanh(x W_inᵀ + b_in + r·(h W_hnᵀ + b_hn)); h′ = (1 − z)·n + z·h, per step and layer',
  static: [],
  requantizes: false,
  dynamic: [{ name: 'nn.GRU', float: GRU, quantized: dyn.GRU }],
  saved: ['nn.quantized.dynamic.GRU', 'nn.GRU'],
  example: { input: SEQ, module: () => new GRU(5, 4) },
};

export const rnn: OpRecord = {
  name: 'rnn',
  semantics: 'h′ = tanh (or relu) of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, per step and layer',
  static: [],
  requantizes: false,
  // fxq's eager quantize_dynamic also maps nn.RNN; torch 1.13 (and fxq's FX dynamic config) leave it float
  dynamic: [{ name: 'nn.RNN', float: RNN, quantized: dyn.RNN, eager_only: true }],
  saved: ['nn.quantized.dynamic.RNN', 'nn.RNN'],
  example: { input: SEQ, module: () => new RNN(5, 4) },
};

export const lstm_cell: OpRecord = {
  name: 'lstm_cell',
  semantics: 'one LSTM step: (h′, c′) from (x, h, c)',
  static: [],
  requantizes: false,
  dynamic: [{ name: 'nn.LSTMCell', float: LSTMCell, quantized: dyn_cell.LSTMCell }],
  saved: ['nn.quantized.dynamic.LSTMCell', 'nn.LSTMCell'],
  example: { input: STEP, module: () => new LSTMCell(5, 4) },
};

export const gru_cell: OpRecord = {
  name: 'gru_cell',
  semantics: 'one GRU step: h′ from (x, h)',
  static: [],
  requantizes: false,
  dynamic: [{ name: 'nn.GRUCell', float: GRUCell, quantized: dyn_cell.GRUCell }],
  saved: ['nn.quantized.dynamic.GRUCell', 'nn.GRUCell'],
  example: { input: STEP, module: () => new GRUCell(5, 4) },
};

export const rnn_cell: OpRecord = {
  name: 'rnn_cell',
  semantics: 'one Elman step: h′ = tanh (or relu) of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh',
  static: [],
  requantizes: false,
  dynamic: [{ name: 'nn.RNNCell', float: RNNCell, quantized: dyn_cell.RNNCell }],
  saved: ['nn.quantized.dynamic.RNNCell', 'nn.RNNCell'],
  example: { input: STEP, module: () => new RNNCell(5, 4) },
};

/** This family's records, in table order. */
export const RNN_RECORDS: readonly OpRecord[] = [lstm, gru, rnn, lstm_cell, gru_cell, rnn_cell];
