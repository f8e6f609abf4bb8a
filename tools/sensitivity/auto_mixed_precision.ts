/**
 * auto_mixed_precision: the fewest layers (precision units, units.ts: weighted layers, residual adds,
 * re-quantizing modules) to keep in float so the quantized model reaches a target accuracy. Greedy
 * forward selection — each round tries keeping one more unit in float (in parallel), keeps the one that
 * helps most, and stops once the target is met. Unlike ordering units by their one-at-a-time drop,
 * each round measures units *together with* the ones already kept, so interactions count. After the
 * first round (every unit) a round only re-tries the `beam` units that helped most last time (lazy greedy).
 */
import type { QConfigDict } from '../../runtime/quant/qconfig_mapping.js';
import { build_model, load_model_file } from '../model_file.js';
import { is_task_spec, run_jobs } from './pool.js';
import { qconfig_by_name } from './qconfigs.js';
import { type Job, job_qconfig_dict, type Task, type TaskSpec } from './task.js';
import { precision_units } from './units.js';

/** The target: an absolute accuracy in [0, 1], or fp32 accuracy minus `drop_pp` percentage points. */
export type AccuracyTarget = number | { drop_pp: number };

/** Options of auto_mixed_precision. */
export interface AutoMixedPrecisionOptions {
  /** Candidate units (default: precision_units(model)). */
  layers?: string[];
  /** Units re-tried per round after the first (default max(4, 2 × workers)); Infinity = plain greedy. */
  beam?: number;
  workers?: number;
  /** Also run the one-at-a-time ranking baseline (keep layers float in order of their solo drop). */
  compare_with_ranking?: boolean;
  /** Re-evaluate fp32, full int8 and the chosen mix on other data (a TaskSpec with other eval images). */
  held_out?: TaskSpec;
  on_progress?: (done: number, total: number) => void;
}

/** One greedy round: the float set tried last and its accuracy. */
export interface MixStep {
  float_layers: string[];
  accuracy: number;
}

/** What auto_mixed_precision chose and how it got there. */
export interface AutoMixedPrecisionResult {
  /** PyTorch-shaped qconfig_dict: global qconfig, chosen layers None. */
  qconfig_dict: QConfigDict;
  float_layers: string[];
  target: number;
  met_target: boolean;
  fp32_accuracy: number;
  int8_accuracy: number;
  accuracy: number;
  steps: MixStep[];
  evaluations: number;
  /** The one-at-a-time ranking baseline: layer order (worst solo drop first), what it keeps float, its accuracy. */
  ranking?: { order: string[]; float_layers: string[]; accuracy: number; met_target: boolean; evaluations: number };
  held_out?: { fp32: number; int8: number; mix: number; ranking_mix?: number; meets_target: boolean };
}

/** Greedy search for the fewest float layers meeting `target` (see the file comment). */
export async function auto_mixed_precision(
  task: Task | TaskSpec,
  target: AccuracyTarget,
  options: AutoMixedPrecisionOptions = {},
): Promise<AutoMixedPrecisionResult> {
  const qconfig = is_task_spec(task) ? qconfig_by_name(task.qconfig ?? 'qnnpack') : task.qconfig;
  const layers =
    options.layers ??
    precision_units(is_task_spec(task) ? build_model(await load_model_file(task.model), false) : task.model);
  if (!layers.length) throw new Error('auto_mixed_precision: the model has no quantizable layers');
  let evaluations = 0;
  let planned = 2 + layers.length;
  const run = async (jobs: Job[], on = task): Promise<number[]> => {
    const base = evaluations;
    const r = await run_jobs(on, jobs, {
      workers: options.workers,
      on_result: (_i, _r, done) => options.on_progress?.(base + done, Math.max(planned, base + jobs.length)),
    });
    evaluations += jobs.length;
    return r.map((x) => x.accuracy);
  };
  const [fp32, int8] = await run([{ kind: 'fp32' }, { kind: 'int8' }]);
  const goal = typeof target === 'number' ? target : fp32 - target.drop_pp / 100;
  if (!(goal >= 0 && goal <= 1)) throw new Error(`auto_mixed_precision: target accuracy ${goal} is outside [0, 1]`);
  const floats: string[] = [];
  const steps: MixStep[] = [];
  const beam = options.beam ?? Math.max(4, 2 * (options.workers ?? 2));
  const last = new Map<string, number>(); // each unit's accuracy when last tried
  let acc = int8;
  while (acc < goal && floats.length < layers.length) {
    let cands = layers.filter((l) => !floats.includes(l));
    if (steps.length > 0) cands = [...cands].sort((a, b) => (last.get(b) ?? 0) - (last.get(a) ?? 0)).slice(0, beam);
    const accs = await run(cands.map((c): Job => ({ kind: 'all_but', layers: [...floats, c] })));
    for (const [i, c] of cands.entries()) last.set(c, accs[i]);
    let best = 0;
    for (let i = 1; i < accs.length; i++) if (accs[i] > accs[best]) best = i; // ties: the earlier unit
    floats.push(cands[best]);
    acc = accs[best];
    steps.push({ float_layers: [...floats], accuracy: acc });
    planned = evaluations + (acc < goal ? Math.min(beam, layers.length - floats.length) : 0);
  }
  const result: AutoMixedPrecisionResult = {
    qconfig_dict: job_qconfig_dict({ kind: 'all_but', layers: floats }, qconfig),
    float_layers: floats,
    target: goal,
    met_target: acc >= goal,
    fp32_accuracy: fp32,
    int8_accuracy: int8,
    accuracy: acc,
    steps,
    evaluations,
  };
  if (options.compare_with_ranking) result.ranking = await ranking_baseline(layers, goal, int8, run);
  if (options.held_out) {
    const jobs: Job[] = [{ kind: 'fp32' }, { kind: 'int8' }, { kind: 'all_but', layers: floats }];
    if (result.ranking) jobs.push({ kind: 'all_but', layers: result.ranking.float_layers });
    const h = await run(jobs, options.held_out);
    const held_goal = typeof target === 'number' ? target : h[0] - target.drop_pp / 100;
    result.held_out = {
      fp32: h[0],
      int8: h[1],
      mix: h[2],
      ...(result.ranking ? { ranking_mix: h[3] } : {}),
      meets_target: h[2] >= held_goal,
    };
  }
  return result;
}

/** Keeps layers float in order of their one-at-a-time drop until the target is met. */
async function ranking_baseline(
  layers: string[],
  goal: number,
  int8: number,
  run: (jobs: Job[]) => Promise<number[]>,
): Promise<NonNullable<AutoMixedPrecisionResult['ranking']>> {
  const solo = await run(layers.map((l): Job => ({ kind: 'only', layers: [l] })));
  const order = layers
    .map((l, i) => ({ l, a: solo[i] }))
    .sort((x, y) => x.a - y.a)
    .map((x) => x.l);
  let evaluations = layers.length;
  let acc = int8;
  let k = 0;
  // prefixes in small parallel batches: the answer is usually among the first few
  while (acc < goal && k < order.length) {
    const ks = Array.from({ length: Math.min(2, order.length - k) }, (_, i) => k + i + 1);
    const accs = await run(ks.map((n): Job => ({ kind: 'all_but', layers: order.slice(0, n) })));
    evaluations += ks.length;
    const hit = accs.findIndex((a) => a >= goal);
    if (hit >= 0) {
      k = ks[hit];
      acc = accs[hit];
      break;
    }
    k = ks[ks.length - 1];
    acc = accs[accs.length - 1];
  }
  return { order, float_layers: order.slice(0, k), accuracy: acc, met_target: acc >= goal, evaluations };
}
