/**
 * The catalogue of quantized ops: one record per op (types.ts), grouped by family (one file each). Every table fxq keeps
 * about quantized ops is derived from OP_CATALOGUE (derive.ts, patterns.ts): the FX backend config and
 * dynamic rows, the eager module mappings, the fusion rules and relu spellings, the value ops, the
 * requantizing functions of the precision search; the artifact module types are linked by name (`saved`).
 */
import { ACTIVATION_RECORDS } from './activations.js';
import { BINARY_RECORDS } from './binary.js';
import { CONV_MORE_RECORDS } from './conv_more.js';
import { ELU_LEAKY_RELU_RECORDS } from './elu_leaky_relu.js';
import { EMBEDDING_RECORDS } from './embedding.js';
import { NORMALIZATION_RECORDS } from './normalization.js';
import { RNN_RECORDS } from './rnn.js';
import { SHAPE_RECORDS } from './shape.js';
import { TRANSFORMER_RECORDS } from './transformer.js';
import type { OpRecord } from './types.js';
import { WEIGHTED_RECORDS } from './weighted.js';

/**
 * Every quantized op fxq knows, in table order (family by family; a new record goes into its family's
 * list): fusion rules are tried in this order, so conv-bn-relu comes before bn-relu.
 */
export const OP_CATALOGUE: readonly OpRecord[] = [
  ...WEIGHTED_RECORDS,
  ...CONV_MORE_RECORDS,
  ...BINARY_RECORDS,
  ...SHAPE_RECORDS,
  ...ACTIVATION_RECORDS,
  ...ELU_LEAKY_RELU_RECORDS,
  ...NORMALIZATION_RECORDS,
  ...EMBEDDING_RECORDS,
  ...RNN_RECORDS,
  ...TRANSFORMER_RECORDS,
];

/** The record named `name`; an error lists the known names. */
export function op_record(name: string): OpRecord {
  const r = OP_CATALOGUE.find((x) => x.name === name);
  if (!r) throw new Error(`op_catalogue: no record '${name}' (known: ${OP_CATALOGUE.map((x) => x.name).join(', ')})`);
  return r;
}
