/**
 * Timing for the model bench, where one call takes from a millisecond to a minute. Each timed call
 * records wall time and the process's CPU time (user + system, process.cpuUsage): on these shared
 * 2-vCPU VMs other jobs inflate wall medians by up to several times, CPU time per call much less (it
 * still moves with cache contention), so the bench prints both. Policy per cell: skipped (with the estimate) when a smaller batch
 * predicts a call over the cap; one warm-up and 1–2 runs when a call takes seconds; otherwise a
 * warm-up, then at least `min_runs` and as many as fit in the budget.
 */
import { performance } from 'node:perf_hooks';
import type { OrtRunner } from './_ort.js';
import { quantile } from './_util.js';

/** One timed cell: median wall and CPU ms per call, or why it was not timed. */
export interface Cell {
  median_ms: number | null;
  p10_ms?: number;
  /** Median process CPU time (user + system) per call. */
  cpu_ms?: number;
  runs?: number;
  skipped?: string;
}

/** The bench options these helpers read. */
export interface CapOptions {
  /** Longest call (ms) worth timing; longer estimated calls are skipped. */
  max_call_ms: number;
  /** Time budget (ms) for fast calls. */
  budget_ms: number;
  /** Fewer minimum runs. */
  quick: boolean;
}

/** Estimated call time for a batch from a smaller batch's median (linear in the batch). */
export function estimate(prev: Cell | undefined, prev_batch: number, batch: number): number | null {
  return prev?.median_ms != null ? (prev.median_ms * batch) / prev_batch : null;
}

interface Sample {
  wall: number;
  cpu: number;
}

async function sample(call: () => unknown): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await call();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function cell(samples: Sample[]): Cell {
  const wall = samples.map((s) => s.wall).sort((a, b) => a - b);
  const cpu = samples.map((s) => s.cpu).sort((a, b) => a - b);
  return { median_ms: quantile(wall, 0.5), p10_ms: quantile(wall, 0.1), cpu_ms: quantile(cpu, 0.5), runs: wall.length };
}

/**
 * Times `call` (sync or async) under the cell policy. The first call is the warm-up and the probe of
 * how long a call takes; it is never counted except when it alone exceeds the cap.
 */
export async function time_capped(call: () => unknown, est_ms: number | null, o: CapOptions): Promise<Cell> {
  if (est_ms !== null && est_ms > o.max_call_ms)
    return {
      median_ms: null,
      skipped: `est. ${(est_ms / 1000).toFixed(0)} s/call > --max-call-s ${o.max_call_ms / 1000}`,
    };
  const first = await sample(call);
  if (first.wall > o.max_call_ms) return cell([first]);
  const samples: Sample[] = [];
  if (first.wall > 1000) {
    // a 224×224 js forward takes seconds: more runs would not change the conclusion
    for (let i = 0; i < (first.wall > 5000 ? 1 : 2); i++) samples.push(await sample(call));
    return cell(samples);
  }
  for (let i = 0; i < 2; i++) await call(); // the rest of the warm-up (JIT, caches, lazy weight packing)
  const min_runs = o.quick ? 3 : 5;
  const start = performance.now();
  while (samples.length < min_runs || (samples.length < 200 && performance.now() - start < o.budget_ms))
    samples.push(await sample(call));
  return cell(samples);
}

/** time_capped for an onnxruntime session; a missing model is a skipped cell. */
export function time_ort(
  runner: OrtRunner | null,
  data: Float32Array,
  shape: number[],
  est_ms: number | null,
  o: CapOptions,
): Promise<Cell> {
  if (!runner) return Promise.resolve({ median_ms: null, skipped: 'no ONNX file' });
  return time_capped(() => runner.run(data, shape), est_ms, o);
}

/**
 * Waits until the process is idle: V8 compiles large wasm modules (onnxruntime-web's) on background
 * threads after instantiation, which for seconds steals the second core and is billed to this process's
 * CPU time. Polls CPU use over 200 ms windows until it drops under 10% of one core (at most `max_ms`).
 * Returns the ms waited.
 */
export async function settle(max_ms = 30_000): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < max_ms) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 200));
    const c = process.cpuUsage(c0);
    if ((c.user + c.system) / 1000 < 0.1 * (performance.now() - t0)) break;
  }
  return performance.now() - start;
}
