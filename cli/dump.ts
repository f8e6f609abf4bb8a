/** `fxq dump`: load a model file (and trace it) or a save_quantized file, and write its graph in one of several formats. */
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load_quantized } from '../compiler/artifact/node/index.js';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { ShapeProp } from '../compiler/ir/shape_prop.js';
import { symbolic_trace } from '../compiler/trace/symbolic_trace.js';
import { Module } from '../runtime/nn/module.js';

/** Output formats of `fxq dump`. */
export const DUMP_FORMATS = ['text', 'table', 'code', 'json', 'dot', 'svg'] as const;
export type DumpFormat = (typeof DUMP_FORMATS)[number];

/** Bad usage or a model file without the expected shape: exit code 2. */
export class UsageError extends Error {}

/** What a model file must export. */
interface ModelFile {
  default: () => Module;
  example_inputs: () => unknown[];
  load_weights?: (model: Module, path?: string) => Module;
}

function progress(msg: string): void {
  process.stderr.write(`fxq: ${msg}\n`);
}

/** Imports and checks a model file; a missing file or export is a UsageError naming it. */
export async function load_model_file(path: string): Promise<ModelFile> {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new UsageError(`model file not found: ${path}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot load model file ${path}: ${(e as Error).message}`);
  }
  const missing: string[] = [];
  if (typeof mod.default !== 'function') missing.push('a default export (a factory returning the nn.Module)');
  if (typeof mod.example_inputs !== 'function') missing.push('example_inputs()');
  if (missing.length) throw new UsageError(`model file ${path} must export ${missing.join(' and ')}`);
  return mod as unknown as ModelFile;
}

function write_atomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Renders `gm` in `format`. */
export async function render(gm: GraphModule, format: DumpFormat): Promise<string> {
  switch (format) {
    case 'text':
      return `${gm.graph.toString()}\n`;
    case 'table':
      return `${gm.graph.print_tabular(false)}\n`;
    case 'code':
      return gm.code;
    case 'json':
      return `${JSON.stringify(gm.to_json(), null, 2)}\n`;
    case 'dot':
      return `${gm.to_dot()}\n`;
    case 'svg':
      return gm.to_svg();
  }
}

/** The dump command; returns the exit code. */
export async function dump(
  path: string,
  opts: { format: DumpFormat; out?: string; weights?: string | boolean },
): Promise<number> {
  progress(`loading ${path}`);
  // a save_quantized file: its graph as saved (gm.code is the int8 forward), no tracing
  const { is_quantized_dir } = await import('./common.js');
  if (is_quantized_dir(path)) return write_dump(load_quantized(path), opts);
  const file = await load_model_file(path);
  const model = file.default();
  if (!(model instanceof Module))
    throw new UsageError(`the default export of ${path} must return an nn.Module, got ${typeof model}`);
  if (opts.weights !== undefined) {
    if (typeof file.load_weights !== 'function')
      throw new UsageError(`--weights given but ${path} does not export load_weights()`);
    progress('loading weights');
    file.load_weights(model, typeof opts.weights === 'string' ? opts.weights : undefined);
  }
  model.eval();
  progress(`tracing ${model.constructor.name}`);
  const gm = symbolic_trace(model);
  const inputs = file.example_inputs();
  if (!Array.isArray(inputs)) throw new UsageError(`example_inputs() in ${path} must return an array of inputs`);
  progress(`propagating shapes on example_inputs (${gm.graph.length} nodes)`);
  new ShapeProp(gm).propagate(...inputs);
  return write_dump(gm, opts);
}

async function write_dump(gm: GraphModule, opts: { format: DumpFormat; out?: string }): Promise<number> {
  progress(`rendering ${opts.format}`);
  const text = await render(gm, opts.format);
  if (opts.out) {
    write_atomic(opts.out, text);
    progress(`wrote ${opts.out} (${text.length} bytes)`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
