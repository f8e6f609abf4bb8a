/**
 * One row of the exporter's op table: an fxq spelling (a module class, a function or a tensor method)
 * and how it becomes ONNX nodes. The rows are data so the table can later be derived from the op
 * catalogue; `onnx` names what the row emits, for the README list and error messages.
 */

import type { Module } from '../../../runtime/nn/module.js';
import type { Node } from '../../ir/node.js';
import type { ExportContext, OnnxValue } from './context.js';

type ModuleClass = abstract new (...args: never[]) => Module;

interface EntryBase {
  /** ONNX op types the row emits (documentation). */
  onnx: string;
  /**
   * Emits the node. A row that returns a float value for a node whose fxq output is quantized gets a
   * QuantizeLinear with that output's qparams appended by the exporter (the Q of the QDQ pattern).
   */
  emit(ctx: ExportContext, node: Node): OnnxValue;
}

export interface ModuleEntry extends EntryBase {
  kind: 'module';
  /** Matched with instanceof, first row wins: list subclasses before their base class. */
  cls: ModuleClass;
  /** The fxq name (e.g. 'nn.quantized.Conv2d'). */
  fxq: string;
}

export interface CallEntry extends EntryBase {
  kind: 'function' | 'method';
  /** call_function / call_method targets this row covers. */
  targets: readonly string[];
}

export type OpEntry = ModuleEntry | CallEntry;
