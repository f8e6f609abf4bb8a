/**
 * Model files: the unit the CLI, the sensitivity workers and the report share. A model file is a
 * TypeScript module that default-exports a factory returning the nn.Module and exports
 * example_inputs(); optionally load_weights(model, path?) (trained weights), calibrate(prepared) and
 * evaluate(model) → accuracy in [0, 1] (otherwise the tools use Fashion-MNIST, tools/sensitivity/node/data.ts; the CLI also takes --data files, tools/node/inputs.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { Module } from '../runtime/nn/module.js';
import { import_module, MODEL_FILE_EXTENSIONS } from './node/import_module.js';

/** A missing or malformed model file (the CLI's exit code 2). */
export class ModelFileError extends Error {}

/** What a model file exports. */
export interface ModelFile {
  path: string;
  create: () => Module;
  example_inputs: () => unknown[];
  load_weights?: (model: Module, path?: string) => Module;
  calibrate?: (prepared: Module) => void;
  evaluate?: (model: Module) => number;
}

/** Imports and checks a model file; a missing file or export is a ModelFileError naming it. */
export async function load_model_file(path: string): Promise<ModelFile> {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new ModelFileError(`model file not found: ${path}`);
  const ext = extname(abs);
  if (!(MODEL_FILE_EXTENSIONS as readonly string[]).includes(ext))
    throw new ModelFileError(
      `model file ${path}: expected one of ${MODEL_FILE_EXTENSIONS.join(', ')}${ext === '.cts' ? ' (.cts is not supported: rename it to .ts or .mts)' : ''}`,
    );
  let mod: Record<string, unknown>;
  try {
    mod = await import_module(abs, path);
  } catch (e) {
    throw new ModelFileError((e as Error).message);
  }
  const missing: string[] = [];
  if (typeof mod.default !== 'function') missing.push('a default export (a factory returning the nn.Module)');
  if (typeof mod.example_inputs !== 'function') missing.push('example_inputs()');
  if (missing.length) throw new ModelFileError(`model file ${path} must export ${missing.join(' and ')}`);
  const fn = <T>(k: string): T | undefined => (typeof mod[k] === 'function' ? (mod[k] as T) : undefined);
  return {
    path: abs,
    create: mod.default as () => Module,
    example_inputs: mod.example_inputs as () => unknown[],
    load_weights: fn('load_weights'),
    calibrate: fn('calibrate'),
    evaluate: fn('evaluate'),
  };
}

/**
 * A model from the file in eval mode: the factory, then load_weights (with `weights` as its path when a
 * string; skipped when false; by default called whenever the file exports it).
 */
export function build_model(file: ModelFile, weights: string | boolean = true): Module {
  const model = file.create();
  if (!(model instanceof Module))
    throw new ModelFileError(`the default export of ${file.path} must return an nn.Module, got ${typeof model}`);
  if (weights !== false) {
    if (file.load_weights) file.load_weights(model, typeof weights === 'string' ? weights : undefined);
    else if (typeof weights === 'string')
      throw new ModelFileError(`weights ${weights} given but ${file.path} does not export load_weights()`);
  }
  return model.eval();
}

/** example_inputs() checked to be an array. */
export function example_inputs_of(file: ModelFile): unknown[] {
  const x = file.example_inputs();
  if (!Array.isArray(x)) throw new ModelFileError(`example_inputs() in ${file.path} must return an array of inputs`);
  return x;
}
