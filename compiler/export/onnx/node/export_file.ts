/**
 * export_onnx(model, args, f, options) as torch.onnx.export with a file path (Node only): the whole
 * model is exported and checked in memory first, so an unexportable node or a bad option writes
 * nothing; the file then appears in one atomic rename. The folder must exist (a typo in the path is
 * an error, not a new folder).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { write_file_atomic } from '../../../../runtime/io/node/atomic.js';
import type { Module } from '../../../../runtime/nn/module.js';
import type { Tensor } from '../../../../runtime/tensor/tensor.js';
import { type ExportOnnxOptions, export_onnx_bytes } from '../export.js';

/** Exports `model` traced on `args` to the ONNX file `f`; returns the number of bytes written. */
export function export_onnx(
  model: Module,
  args: Tensor | Tensor[],
  f: string,
  options: ExportOnnxOptions = {},
): number {
  if (typeof f !== 'string' || f === '') throw new Error('export_onnx: f must be a file path');
  const dir = dirname(resolve(f));
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`export_onnx: the folder of '${f}' (${dir}) does not exist; nothing was written`);
  const bytes = export_onnx_bytes(model, args, options);
  write_file_atomic(f, bytes);
  return bytes.length;
}
