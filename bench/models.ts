/**
 * `npm run bench -- models [--models fmnist_cnn,fmnist_resnet,resnet18] [--batches 1,32] [--backends js,wasm]
 *  [--quick] [--budget-ms 1000] [--max-call-s 20] [--calib 1000] [--onnx DIR] [--out out/bench_models.json]`
 *
 * Model-level latency, single thread, side by side in one run: fxq fp32 and int8 (FX PTQ, qnnpack
 * qconfig) on the js and wasm backends, and onnxruntime-web (wasm EP, 1 thread) on the reference fp32
 * and int8 QDQ ONNX exports, with the ratios fxq/ORT, next to RESULTS.md §5's figures for context.
 * Fashion-MNIST models use the trained weights, the first N test images as input and the first
 * --calib training images for calibration; ResNet-18 (3×224×224) has random weights and is calibrated
 * on 4 random batches of 2 as the reference did (its ONNX weights differ: compare latency only).
 * Cells whose estimated call time exceeds --max-call-s (js at 224×224, batch 32) are skipped with the
 * estimate. The table is also written as JSON (default out/bench_models.json).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { load_calibration_images, load_test_images } from '../examples/lib/fmnist_data.js';
import { type BackendName, time_model, with_backend } from '../examples/lib/latency.js';
import { get_example_model } from '../examples/models/index.js';
import { Generator, type nn, no_grad, randn, type Tensor } from '../index.js';
import { write_atomic } from '../runtime/io/atomic.js';
import { DEFAULT_ONNX_DIR, load_ort, type OrtRunner, ort_session } from './_ort.js';
import { arg_value, format_ms, has_flag, print_table, type Timing, time_async } from './_util.js';
import { REFERENCE_LATENCY } from './models_reference.js';

const here = dirname(fileURLToPath(import.meta.url));

/** One timed cell: median ms per call, or why it was not timed. */
export interface Cell {
  median_ms: number | null;
  p10_ms?: number;
  runs?: number;
  skipped?: string;
}

/** One table row (a model at a batch size), as written to the JSON. */
export interface ModelRow {
  model: string;
  batch: number;
  fxq: Record<string, Cell>;
  ort: { fp32: Cell; int8: Cell };
  /** max |fxq − ORT| over the logits of the same input (trained models only: same weights). */
  max_abs_logit_diff: { fp32: number | null; int8: number | null };
}

interface Options {
  models: string[];
  batches: number[];
  backends: BackendName[];
  budget_ms: number;
  max_call_ms: number;
  calib: number;
  onnx_dir: string;
  out: string;
  quick: boolean;
}

function parse(args: string[]): Options {
  const quick = has_flag(args, 'quick');
  const models = (arg_value(args, 'models') ?? 'fmnist_cnn,fmnist_resnet,resnet18').split(',');
  for (const m of models) get_example_model(m); // unknown names fail here, listing the known ones
  const backends = (arg_value(args, 'backends') ?? 'js,wasm').split(',');
  for (const b of backends)
    if (b !== 'js' && b !== 'wasm') throw new Error(`bench models: --backends: unknown backend '${b}' (js, wasm)`);
  const batches = (arg_value(args, 'batches') ?? '1,32').split(',').map(Number);
  if (batches.some((b) => !(Number.isInteger(b) && b > 0)))
    throw new Error(`bench models: --batches must be positive integers, got '${arg_value(args, 'batches')}'`);
  return {
    models,
    batches,
    backends: backends as BackendName[],
    budget_ms: Number(arg_value(args, 'budget-ms') ?? (quick ? 300 : 1000)),
    max_call_ms: 1000 * Number(arg_value(args, 'max-call-s') ?? (quick ? 5 : 20)),
    calib: Number(arg_value(args, 'calib') ?? (quick ? 200 : 1000)),
    onnx_dir: arg_value(args, 'onnx') ?? DEFAULT_ONNX_DIR,
    out: resolve(arg_value(args, 'out') ?? join(here, '..', 'out', 'bench_models.json')),
    quick,
  };
}

/** Estimated call time for a batch from a smaller batch's median (linear in the batch). */
function estimate(prev: Cell | undefined, prev_batch: number, batch: number): number | null {
  return prev?.median_ms != null ? (prev.median_ms * batch) / prev_batch : null;
}

/**
 * Times a cell unless its estimate is over the cap. Calls over a second get one untimed warm-up and
 * 1–2 timed runs (a 224×224 js forward takes seconds: more runs would not change the conclusion).
 */
function time_cell(run: () => Timing, est_ms: number | null, o: Options): Cell {
  if (est_ms !== null && est_ms > o.max_call_ms)
    return { median_ms: null, skipped: `est. ${(est_ms / 1000).toFixed(0)} s/call > --max-call-s ${o.max_call_ms / 1000}` };
  const t = run();
  return { median_ms: t.median_ms, p10_ms: t.p10_ms, runs: t.runs };
}

function timing_options(est_ms: number | null, o: Options) {
  if (est_ms !== null && est_ms > 1000) return { warmup: 1, min_runs: est_ms > 5000 ? 1 : 2, max_runs: 2, budget_ms: 0 };
  return { warmup: 3, min_runs: o.quick ? 3 : 5, max_runs: 200, budget_ms: o.budget_ms };
}

async function time_ort(runner: OrtRunner | null, data: Float32Array, shape: number[], est_ms: number | null, o: Options): Promise<Cell> {
  if (!runner) return { median_ms: null, skipped: 'no ONNX file' };
  const opts = timing_options(est_ms, o);
  const t = await time_async(() => runner.run(data, shape), opts);
  return { median_ms: t.median_ms, p10_ms: t.p10_ms, runs: t.runs };
}

function max_abs_diff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
