/**
 * The catalogue of quantized ops: one record per op (types.ts), grouped by family (one file each). Every table fxq keeps
 * about quantized ops is derived from OP_CATALOGUE (derive.ts, patterns.ts): the FX backend config and
 * dynamic rows, the eager module mappings, the fusion rules and relu spellings, the value ops, the
 * requantizing functions of the precision search; the artifact module types are linked by name (`saved`).
 */
import { hardsigmoid, hardswish, hardtanh, relu, relu6, sigmoid, softmax, tanh } from './activations.js';
import { add, cat, mul } from './binary.js';
import { gru, gru_cell, lstm, lstm_cell, rnn, rnn_cell } from './rnn.js';
import { adaptive_avg_pool2d, avg_pool2d, dropout, flatten, max_pool2d, reshape } from './shape.js';
import type { OpRecord } from './types.js';
import { batch_norm, conv2d, linear } from './weighted.js';

/** Every quantized op fxq knows, in table order (a matcher trying rows in order sees conv before linear, …). */
export const OP_CATALOGUE: readonly OpRecord[] = [
  conv2d,
  linear,
  batch_norm,
  add,
  mul,
  cat,
  max_pool2d,
  avg_pool2d,
  adaptive_avg_pool2d,
  flatten,
  reshape,
  relu,
  relu6,
  hardtanh,
  dropout,
  hardswish,
  hardsigmoid,
  sigmoid,
  tanh,
  softmax,
  lstm,
  gru,
  rnn,
  lstm_cell,
  gru_cell,
  rnn_cell,
];

/** The record named `name`; an error lists the known names. */
export function op_record(name: string): OpRecord {
  const r = OP_CATALOGUE.find((x) => x.name === name);
  if (!r) throw new Error(`op_catalogue: no record '${name}' (known: ${OP_CATALOGUE.map((x) => x.name).join(', ')})`);
  return r;
}
