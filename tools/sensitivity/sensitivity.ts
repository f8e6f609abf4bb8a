/**
 * Per-layer quantization sensitivity, as the PyTorch FX guide runs it by hand:
 *   one_at_a_time — only layer L quantized: `{'': null, module_name: [[L, qconfig]]}`; Δ vs fp32.
 *   leave_one_out — everything but L quantized: `{'': qconfig, module_name: [[L, null]]}`; Δ vs all-int8.
 * Each evaluation re-runs prepare_fx → calibrate → convert_fx → the user's evaluation function; with a
 * TaskSpec they run in parallel on Node worker threads (node/workers.ts).
 */
import type { Module } from '../../runtime/nn/module.js';
import { fmt } from '../report/svg_charts.js';
import { model_of_task, type OnResult, run_jobs } from './pool.js';
import type { Job, JobResult, Task, TaskSpec } from './task.js';
import { is_quantizable_layer } from './units.js';

export { is_quantizable_layer };

/**
 * The candidate layers of a model, in module order: every quantizable layer, then (with
 * `include_blocks`) every container holding two or more of them (the reference's layer1..layer3).
 */
export function quantizable_layers(model: Module, options: { include_blocks?: boolean } = {}): string[] {
  const leaves: string[] = [];
  const blocks: string[] = [];
  for (const [name, m] of model.named_modules()) {
    if (name === '') continue;
    if (is_quantizable_layer(m)) leaves.push(name);
    else if (options.include_blocks) {
      let count = 0;
      for (const sub of m.modules()) if (is_quantizable_layer(sub)) count++;
      if (count >= 2) blocks.push(name);
    }
  }
  return [...leaves, ...blocks];
}

/** One row of a sensitivity table. */
export interface SensitivityRow {
  layer: string;
  accuracy: number;
  /** Accuracy minus the baseline, in percentage points. */
  delta_pp: number;
  seconds: number;
}

/** A sensitivity analysis: both reference accuracies and the rows, most sensitive layer first. */
export interface SensitivityResult {
  mode: 'one_at_a_time' | 'leave_one_out';
  fp32_accuracy: number;
  int8_accuracy: number;
  /** fp32 for one_at_a_time, all-int8 for leave_one_out. */
  baseline: number;
  rows: SensitivityRow[];
  /** Wall seconds of the whole run. */
  seconds: number;
}

/** Options of one_at_a_time / leave_one_out. */
export interface SensitivityOptions {
  /** Layers (module names) to test; default quantizable_layers(model, { include_blocks }). */
  layers?: string[];
  include_blocks?: boolean;
  /** Worker threads (TaskSpec only); default all cores. */
  workers?: number;
  /** Progress: called once per finished evaluation. */
  on_result?: OnResult;
}

async function analyse(
  mode: SensitivityResult['mode'],
  task: Task | TaskSpec,
  options: SensitivityOptions,
): Promise<SensitivityResult> {
  const t0 = performance.now();
  let layers = options.layers;
  if (!layers) {
    // a TaskSpec's model is only built here to list its layers; the workers build their own
    const model = await model_of_task(task, mode);
    layers = quantizable_layers(model, { include_blocks: options.include_blocks });
  }
  if (!layers.length)
    throw new Error(`sensitivity (${mode}): the model has no quantizable layers (Conv2d, Linear, LSTM) to test`);
  const jobs: Job[] = [
    { kind: 'fp32' },
    { kind: 'int8' },
    ...layers.map(
      (l): Job => (mode === 'one_at_a_time' ? { kind: 'only', layers: [l] } : { kind: 'all_but', layers: [l] }),
    ),
  ];
  const res: JobResult[] = await run_jobs(task, jobs, { workers: options.workers, on_result: options.on_result });
  const fp32 = res[0].accuracy;
  const int8 = res[1].accuracy;
  const baseline = mode === 'one_at_a_time' ? fp32 : int8;
  const rows = layers.map((layer, i) => ({
    layer,
    accuracy: res[i + 2].accuracy,
    delta_pp: 100 * (res[i + 2].accuracy - baseline),
    seconds: res[i + 2].seconds,
  }));
  // most sensitive first: the biggest drop when quantized alone, the biggest recovery when left in float
  rows.sort((a, b) => (mode === 'one_at_a_time' ? a.delta_pp - b.delta_pp : b.delta_pp - a.delta_pp));
  return { mode, fp32_accuracy: fp32, int8_accuracy: int8, baseline, rows, seconds: (performance.now() - t0) / 1000 };
}

/** Quantizes one layer at a time (the rest float); rows sorted by accuracy drop, worst first. */
export function one_at_a_time(task: Task | TaskSpec, options: SensitivityOptions = {}): Promise<SensitivityResult> {
  return analyse('one_at_a_time', task, options);
}

/** Quantizes all layers but one; rows sorted by the accuracy regained by keeping that layer float. */
export function leave_one_out(task: Task | TaskSpec, options: SensitivityOptions = {}): Promise<SensitivityResult> {
  return analyse('leave_one_out', task, options);
}

/** The result as a Markdown table (accuracies in %, Δ in pp). */
export function format_sensitivity_table(r: SensitivityResult): string {
  const head = r.mode === 'one_at_a_time' ? 'quantized alone' : 'kept in float (rest int8)';
  const lines = [
    `fp32 acc ${fmt(100 * r.fp32_accuracy)}%; fully int8 acc ${fmt(100 * r.int8_accuracy)}%; Δ vs ${r.mode === 'one_at_a_time' ? 'fp32' : 'int8'}`,
    '',
    `| ${head} | acc | Δ (pp) |`,
    '|---|---|---|',
    ...r.rows.map(
      (x) =>
        `| ${x.layer} | ${(100 * x.accuracy).toFixed(2)}% | ${x.delta_pp >= 0 ? '+' : ''}${x.delta_pp.toFixed(2)} |`,
    ),
  ];
  return lines.join('\n');
}
