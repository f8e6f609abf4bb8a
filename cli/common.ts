/**
 * What the analysis subcommands share: the data/qconfig options, turning them into a TaskSpec, loading
 * either a model file (float) or a save_quantized file (int8), and printing text or --json.
 * Errors: UsageError / ModelFileError → exit 2 (bad arguments, missing or malformed model file);
 * anything else (tracing, running) → exit 1 — main.ts maps them.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { load_quantized } from '../compiler/artifact/node/index.js';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { symbolic_trace } from '../compiler/trace/symbolic_trace.js';
import type { Module } from '../runtime/nn/module.js';
import { Tensor } from '../runtime/tensor/tensor.js';
import { build_model, example_inputs_of, load_model_file, type ModelFile } from '../tools/model_file.js';
import { QCONFIG_NAMES } from '../tools/sensitivity/qconfigs.js';
import '../tools/sensitivity/node/workers.js'; // TaskSpecs run on worker threads
import type { InputOptions } from '../tools/node/inputs.js';
import { type TaskSpec, use_backend } from '../tools/sensitivity/task.js';
import { UsageError } from './dump.js';

/** Options every analysis subcommand accepts. */
export interface CommonOptions extends InputOptions {
  json?: boolean;
  weights?: string | boolean;
  backend: 'js' | 'wasm';
  qconfig: string;
  calibImages: string;
  evalImages: string;
  evalOffset: string;
}

/** Parses a positive integer option, naming it when it is not one. */
export function int_option(value: string, name: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

/** Adds the shared options to a subcommand. */
export function add_common_options(
  cmd: Command,
  which: { data?: boolean; qconfig?: boolean } = { data: true, qconfig: true },
): Command {
  cmd.option('--json', 'print one JSON document on stdout (progress stays on stderr)');
  cmd.option('-w, --weights <file>', "weights for the model file's load_weights (default: its own default)");
  cmd.option('--no-weights', 'do not call load_weights (random initialisation)');
  cmd.addOption(new Option('--backend <name>', 'int8 kernel backend').choices(['js', 'wasm']).default('wasm'));
  if (which.qconfig !== false)
    cmd.addOption(
      new Option('-q, --qconfig <name>', 'qconfig for quantized layers').choices([...QCONFIG_NAMES]).default('qnnpack'),
    );
  if (which.data !== false) {
    cmd.option(
      '--data <path>',
      'inputs (and labels): a Fashion-MNIST IDX directory, an IDX images file (.idx[.gz], labels from --labels or its *labels* sibling), a .npy, or a .safetensors with images/inputs (+ labels). Default: the example inputs, Fashion-MNIST for N×1×28×28 models',
    );
    cmd.option('--labels <file>', 'labels for --data (.idx[.gz] or .npy, one integer per input row)');
    cmd.option('--input-shape <dims>', 'random inputs of this shape (e.g. 1,3,32,32) when there is no --data');
    cmd.option('--calib-images <n>', 'calibration inputs: the first N rows (Fashion-MNIST: training images)', '1000');
    cmd.option('--eval-images <n>', 'evaluation inputs (Fashion-MNIST: from the test set)', '2000');
    cmd.option('--eval-offset <n>', 'first row used for evaluation', '0');
  }
  return cmd;
}

/** The TaskSpec the options describe for model file `model`. */
export function task_spec(model: string, o: CommonOptions): TaskSpec {
  // the worker threads rebuild the task from this spec: a directory is Fashion-MNIST, a file any data
  const dir = o.data !== undefined && statSync(o.data, { throwIfNoEntry: false })?.isDirectory();
  return {
    ...(o.data && !dir ? { data: o.data } : {}),
    ...(o.labels ? { labels: o.labels } : {}),
    ...(o.inputShape ? { input_shape: o.inputShape } : {}),
    model,
    weights: o.weights ?? true,
    qconfig: o.qconfig,
    backend: o.backend,
    ...(dir ? { data_dir: o.data } : {}),
    calib_images: int_option(o.calibImages ?? '1000', '--calib-images'),
    eval_images: int_option(o.evalImages ?? '2000', '--eval-images'),
    eval_offset: int_option(o.evalOffset ?? '0', '--eval-offset', 0),
  };
}

/** True when `path` is a save_quantized file (a safetensors file) or a version-1 save_quantized directory. */
export function is_quantized_dir(path: string): boolean {
  if (!existsSync(path)) return false;
  if (statSync(path).isDirectory()) return existsSync(join(path, 'manifest.json'));
  // by name first: a damaged .safetensors file still goes to load_quantized, which says what is wrong
  return path.endsWith('.safetensors') || is_safetensors_file(path);
}

/** A safetensors file starts with a little-endian header length followed by '{' (model files are source text). */
function is_safetensors_file(path: string): boolean {
  const head = Buffer.alloc(9);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, head, 0, 9, 0) < 9) return false;
  } finally {
    closeSync(fd);
  }
  return head.readBigUInt64LE(0) < BigInt(statSync(path).size) && head[8] === 0x7b;
}

/** A loaded model: a float model from a model file, or an int8 GraphModule from a save_quantized file (or version-1 directory). */
export type LoadedModel =
  | { kind: 'float'; model: Module; file: ModelFile }
  | { kind: 'quantized'; model: GraphModule; dir: string };

/** Loads a model file or a quantized directory (checked: a missing path is a usage error). */
export async function load_any(path: string, o: CommonOptions): Promise<LoadedModel> {
  use_backend(o.backend);
  if (is_quantized_dir(path)) return { kind: 'quantized', model: load_quantized(path), dir: path };
  if (existsSync(path) && statSync(path).isDirectory())
    throw new UsageError(
      `${path} is a directory without manifest.json: not a model file nor a save_quantized directory`,
    );
  const file = await load_model_file(path);
  // the traced graph is what quantize/compare see, so eval and bench measure it too (a model that
  // cannot be traced fails here, exit 1, as in the other subcommands)
  return { kind: 'float', model: symbolic_trace(build_model(file, o.weights ?? true)), file };
}

/** The example inputs of a loaded float model (tensors only), undefined for a saved int8 model. */
export function example_of(loaded: LoadedModel): Tensor[] | undefined {
  if (loaded.kind === 'quantized') return undefined;
  const ex = example_inputs_of(loaded.file);
  return ex.every((t) => t instanceof Tensor) ? (ex as Tensor[]) : undefined;
}

/**
 * Runs `fn`; when a saved int8 model (which records no example inputs) fails on the default
 * Fashion-MNIST images, the error says how to give it inputs of its own shape.
 */
export function with_input_hint<T>(loaded: LoadedModel, o: CommonOptions, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (loaded.kind === 'quantized' && !o.data && !o.inputShape && e instanceof Error)
      e.message += `\n  (${loaded.dir} records no example inputs, so fxq fed it Fashion-MNIST [N, 1, 28, 28] images: pass --input-shape N,C,H,W or --data)`;
    throw e;
  }
}

/** Prints `json` with --json, else `text`; both to stdout. */
export function emit(o: { json?: boolean }, json: unknown, text: string): void {
  process.stdout.write(o.json ? `${JSON.stringify(json, null, 1)}\n` : `${text}\n`);
}

/** A note on stderr (progress and context; never mixed into --json stdout). */
export function note(msg: string): void {
  process.stderr.write(`fxq: ${msg}\n`);
}

/** Percent with two decimals. */
export function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
