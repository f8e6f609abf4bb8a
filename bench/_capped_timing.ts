/**
 * Timing for the model bench where one call may take from a millisecond to a minute: a cell is timed
 * with time_sync's warm-up and budget when calls are fast, with one warm-up and 1–2 runs when they take
 * seconds, and skipped (with the estimate) when a smaller batch predicts more than the cap.
 */
import { performance } from 'node:perf_hooks';
import type { OrtRunner } from './_ort.js';
import { summarize, time_async, time_sync } from './_util.js';

/** One timed cell: median ms per call, or why it was not timed. */
export interface Cell {
  median_ms: number | null;
  p10_ms?: number;
  runs?: number;
  skipped?: string;
}

/** The bench options these helpers read. */
export interface CapOptions {
  /** Longest call (ms) worth timing; longer estimated calls are skipped. */
  max_call_ms: number;
  /** time_sync budget for fast calls. */
  budget_ms: number;
  /** Fewer minimum runs. */
  quick: boolean;
}

/** Estimated call time for a batch from a smaller batch's median (linear in the batch). */
export function estimate(prev: Cell | undefined, prev_batch: number, batch: number): number | null {
  return prev?.median_ms != null ? (prev.median_ms * batch) / prev_batch : null;
}

/** Wall time of one call. */
function time_once(call: () => unknown): number {
  const t0 = performance.now();
  call();
  return performance.now() - t0;
}

/**
 * Times `call` unless the estimate (from a smaller batch) is over the cap. A first call is the warm-up
 * and the probe: over a second, 1–2 more timed runs (a 224×224 js forward takes seconds, more runs
 * would not change the conclusion); otherwise time_sync's warm-up and budget.
 */
export function time_forward(call: () => unknown, est_ms: number | null, o: CapOptions): Cell {
  if (est_ms !== null && est_ms > o.max_call_ms)
    return {
      median_ms: null,
      skipped: `est. ${(est_ms / 1000).toFixed(0)} s/call > --max-call-s ${o.max_call_ms / 1000}`,
    };
  const first = time_once(call);
  if (first > o.max_call_ms) return { median_ms: first, runs: 1 };
  if (first > 1000) {
    const samples = Array.from({ length: first > 5000 ? 1 : 2 }, () => time_once(call));
    const t = summarize(samples);
    return { median_ms: t.median_ms, p10_ms: t.p10_ms, runs: t.runs };
  }
  const t = time_sync(call, { warmup: 2, min_runs: o.quick ? 3 : 5, budget_ms: o.budget_ms });
  return { median_ms: t.median_ms, p10_ms: t.p10_ms, runs: t.runs };
}

/** As time_forward for an onnxruntime session (async calls). */
export async function time_ort(
  runner: OrtRunner | null,
  data: Float32Array,
  shape: number[],
  est_ms: number | null,
  o: CapOptions,
): Promise<Cell> {
  if (!runner) return { median_ms: null, skipped: 'no ONNX file' };
  if (est_ms !== null && est_ms > o.max_call_ms)
    return {
      median_ms: null,
      skipped: `est. ${(est_ms / 1000).toFixed(0)} s/call > --max-call-s ${o.max_call_ms / 1000}`,
    };
  const t0 = performance.now();
  await runner.run(data, shape);
  const first = performance.now() - t0;
  const t =
    first > 1000
      ? await time_async(() => runner.run(data, shape), {
          warmup: 0,
          min_runs: first > 5000 ? 1 : 2,
          max_runs: 2,
          budget_ms: 0,
        })
      : await time_async(() => runner.run(data, shape), {
          warmup: 2,
          min_runs: o.quick ? 3 : 5,
          budget_ms: o.budget_ms,
        });
  return { median_ms: t.median_ms, p10_ms: t.p10_ms, runs: t.runs };
}
