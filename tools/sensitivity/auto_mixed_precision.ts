/**
 * auto_mixed_precision: the fewest precision units (units.ts: weighted layers, residual adds,
 * re-quantizing modules) to keep in float so the quantized model reaches a target accuracy.
 *   1. one-at-a-time ranking: quantize each unit alone; order units by the accuracy they cost;
 *   2. the ranking's answer: keep the first k units of that order float, the smallest k meeting the target;
 *   3. greedy backward elimination: each round re-quantizes, in parallel, each unit still float, and drops
 *      the one whose return costs least while the target still holds; stops when none can go back.
 * Step 3 measures units *together* (the ranking measures each alone): errors that only matter in
 * combination — an add, the relu after it and the pool that re-quantize the same activations — are seen,
 * so the result never keeps more units float than the ranking and usually fewer. (A forward greedy from
 * all-int8 was tried first: single units barely help when the error comes from several together, so it
 * wandered and kept more.)
 */
import type { QConfigDict } from '../../runtime/quant/qconfig_mapping.js';
import { is_task_spec, model_of_task, run_jobs } from './pool.js';
import { qconfig_by_name } from './qconfigs.js';
import { type Job, job_qconfig_dict, type Task, type TaskSpec } from './task.js';
import { precision_units } from './units.js';

/** The target: an absolute accuracy in [0, 1], or fp32 accuracy minus `drop_pp` percentage points. */
export type AccuracyTarget = number | { drop_pp: number };

/** Options of auto_mixed_precision. */
export interface AutoMixedPrecisionOptions {
  /** Candidate units (default: precision_units(model)). */
  layers?: string[];
  workers?: number;
  /**
   * Guard band, in percentage points: the search only accepts a mix whose accuracy on the search data is at least
   * target + margin_pp (default 0). Greedy elimination stops at the edge of the target and picks, each round, the
   * best of several noisy measurements, so its answer scores higher on the images it chose on than on others; a
   * margin of about one standard error of the search accuracy (100·√(a(1 − a)/n)) keeps the held-out accuracy at
   * the target. The held-out check uses the target without the margin.
   */
  margin_pp?: number;
  /**
   * Re-evaluate fp32, full int8 and the chosen mix on other data: a TaskSpec with other eval images, or a Task
   * (e.g. the search Task with another evaluate, keeping its calibrate — AdaRound's cache included).
   */
  held_out?: Task | TaskSpec;
  on_progress?: (done: number, total: number) => void;
}

/** One step of the search: the float set and its accuracy (first: the ranking's answer). */
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
  /** What the search required: target + margin_pp / 100. */
  search_goal: number;
  /** accuracy ≥ search_goal. */
  met_target: boolean;
  fp32_accuracy: number;
  int8_accuracy: number;
  accuracy: number;
  steps: MixStep[];
  evaluations: number;
  /** The one-at-a-time ranking's answer: unit order (worst solo drop first), what it keeps float, its accuracy. */
  ranking?: { order: string[]; float_layers: string[]; accuracy: number; met_target: boolean; evaluations: number };
  held_out?: { fp32: number; int8: number; mix: number; ranking_mix?: number; meets_target: boolean };
}

/** Search for the fewest float units meeting `target` (see the file comment). */
export async function auto_mixed_precision(
  task: Task | TaskSpec,
  target: AccuracyTarget,
  options: AutoMixedPrecisionOptions = {},
): Promise<AutoMixedPrecisionResult> {
  const qconfig = is_task_spec(task) ? qconfig_by_name(task.qconfig ?? 'qnnpack') : task.qconfig;
  const layers = options.layers ?? precision_units(await model_of_task(task, 'auto_mixed_precision'));
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
  const margin = options.margin_pp ?? 0;
  if (!(margin >= 0 && margin <= 100))
    throw new Error(`auto_mixed_precision: margin_pp must be in [0, 100] percentage points, got ${options.margin_pp}`);
  const need = goal + margin / 100;
  let floats: string[] = [];
  let acc = int8;
  const steps: MixStep[] = [];
  let ranking: AutoMixedPrecisionResult['ranking'];
  if (acc < need) {
    ranking = await ranking_baseline(layers, need, int8, run);
    floats = [...ranking.float_layers];
    acc = ranking.accuracy;
    steps.push({ float_layers: [...floats], accuracy: acc });
    while (acc >= need && floats.length > 0) {
      planned = evaluations + floats.length;
      const accs = await run(floats.map((u): Job => ({ kind: 'all_but', layers: floats.filter((f) => f !== u) })));
      let best = 0;
      for (let i = 1; i < accs.length; i++) if (accs[i] > accs[best]) best = i; // ties: the more sensitive unit stays
      if (accs[best] < need) break;
      floats = floats.filter((_, i) => i !== best);
      acc = accs[best];
      steps.push({ float_layers: [...floats], accuracy: acc });
    }
  }
  const result: AutoMixedPrecisionResult = {
    qconfig_dict: job_qconfig_dict({ kind: 'all_but', layers: floats }, qconfig),
    float_layers: floats,
    target: goal,
    search_goal: need,
    met_target: acc >= need,
    fp32_accuracy: fp32,
    int8_accuracy: int8,
    accuracy: acc,
    steps,
    evaluations,
  };
  if (ranking) result.ranking = ranking;
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
