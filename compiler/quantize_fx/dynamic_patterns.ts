/**
 * The dynamic-quantization table (torch 1.13's default dynamic quant module mappings): float modules
 * replaced at convert by their dynamic int8 counterparts (qint8 weights, activations quantized per call).
 */
import { LinearReLU as FloatLinearReLU } from '../../runtime/nn/intrinsic/fused.js';
import { Linear as FloatLinear } from '../../runtime/nn/layers/linear.js';
import { GRU, LSTM } from '../../runtime/nn/layers/rnn.js';
import { GRUCell, LSTMCell, RNNCell } from '../../runtime/nn/layers/rnn_cell.js';
import type { Module } from '../../runtime/nn/module.js';
import { Linear as DynLinear, LinearReLU as DynLinearReLU } from '../../runtime/quantized/modules/dynamic/linear.js';
import { GRU as DynGRU, LSTM as DynLSTM } from '../../runtime/quantized/modules/dynamic/rnn.js';
import {
  GRUCell as DynGRUCell,
  LSTMCell as DynLSTMCell,
  RNNCell as DynRNNCell,
} from '../../runtime/quantized/modules/dynamic/rnn_cell.js';
import type { FromFloat, ModuleClass } from './backend_config.js';

/** A dynamic-quantization row: a float module replaced by its dynamic int8 counterpart (weights only). */
export interface DynamicPatternRow {
  name: string;
  module: ModuleClass;
  quantized: FromFloat;
}

/** Dynamic quantization: float modules with int8 weights and per-call activation quantization. */
export const DYNAMIC_PATTERNS: readonly DynamicPatternRow[] = [
  { name: 'nn.Linear', module: FloatLinear, quantized: DynLinear },
  { name: 'nn.intrinsic.LinearReLU', module: FloatLinearReLU, quantized: DynLinearReLU },
  { name: 'nn.LSTM', module: LSTM, quantized: DynLSTM },
  { name: 'nn.GRU', module: GRU, quantized: DynGRU },
  { name: 'nn.LSTMCell', module: LSTMCell, quantized: DynLSTMCell },
  { name: 'nn.GRUCell', module: GRUCell, quantized: DynGRUCell },
  { name: 'nn.RNNCell', module: RNNCell, quantized: DynRNNCell },
];

/** The dynamic row for a float module, if any. */
export function find_dynamic_row(mod: Module | null): DynamicPatternRow | null {
  if (!mod) return null;
  return DYNAMIC_PATTERNS.find((r) => mod.constructor === r.module) ?? null;
}
