/**
 * The exporter's op table: every row of quantized_modules, rnn, rnn_cells, activations, transformer,
 * float_modules, functions and shape_ops, looked up per FX node. Module rows match by instanceof in order (subclass rows first), call rows by target.
 */

import type { Module } from '../../../runtime/nn/module.js';
import type { Node } from '../../ir/node.js';
import { ACTIVATION_CALL_ENTRIES, ACTIVATION_MODULE_ENTRIES } from './activations.js';
import { EMBEDDING_MODULE_ENTRIES } from './embedding.js';
import { FLOAT_MODULE_ENTRIES, POOL_CALL_ENTRIES } from './float_modules.js';
import { FUNCTION_ENTRIES } from './functions.js';
import { NN_MORE_CALL_ENTRIES, NN_MORE_MODULE_ENTRIES } from './nn_more.js';
import { NORM_ACT_EMBED_CALL_ENTRIES, NORM_ACT_EMBED_MODULE_ENTRIES } from './norm_act_embed.js';
import type { CallEntry, ModuleEntry, OpEntry } from './op_entry.js';
import { QUANTIZED_MODULE_ENTRIES } from './quantized_modules.js';
import { RNN_ENTRIES } from './rnn.js';
import { RNN_CELL_ENTRIES } from './rnn_cells.js';
import { SHAPE_OP_ENTRIES } from './shape_ops.js';
import { TRANSFORMER_CALL_ENTRIES, TRANSFORMER_MODULE_ENTRIES } from './transformer.js';

export const MODULE_ENTRIES: readonly ModuleEntry[] = [
  ...NN_MORE_MODULE_ENTRIES,
  ...QUANTIZED_MODULE_ENTRIES,
  ...RNN_ENTRIES,
  ...RNN_CELL_ENTRIES,
  ...NORM_ACT_EMBED_MODULE_ENTRIES,
  ...TRANSFORMER_MODULE_ENTRIES,
  ...EMBEDDING_MODULE_ENTRIES,
  ...ACTIVATION_MODULE_ENTRIES,
  ...FLOAT_MODULE_ENTRIES,
];
export const CALL_ENTRIES: readonly CallEntry[] = [
  ...NN_MORE_CALL_ENTRIES,
  ...NORM_ACT_EMBED_CALL_ENTRIES,
  ...TRANSFORMER_CALL_ENTRIES,
  ...FUNCTION_ENTRIES,
  ...ACTIVATION_CALL_ENTRIES,
  ...POOL_CALL_ENTRIES,
  ...SHAPE_OP_ENTRIES,
];

/** Every row, for listings (README, `fxq export --list-ops`). */
export const OP_TABLE: readonly OpEntry[] = [...MODULE_ENTRIES, ...CALL_ENTRIES];

/** The row that exports `node` (a call_module's `module` given), or null when none does. */
export function find_entry(node: Node, module: Module | null): OpEntry | null {
  if (node.op === 'call_module') return module ? (MODULE_ENTRIES.find((e) => module instanceof e.cls) ?? null) : null;
  const kind = node.op === 'call_function' ? 'function' : node.op === 'call_method' ? 'method' : null;
  if (!kind) return null;
  return CALL_ENTRIES.find((e) => e.kind === kind && e.targets.includes(node.target)) ?? null;
}
