/**
 * The TaskSpec runner over node:worker_threads: each worker (tsx-loaded, worker_boot.mjs) rebuilds the
 * model from the model file once and then takes the next job whenever it is free, so uneven jobs still
 * keep every core busy. Loading this module registers it with ../pool.ts.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { build_model, load_model_file } from '../../model_file.js';
import { type OnResult, register_spec_runner } from '../pool.js';
import { type Job, type JobResult, job_label, type TaskSpec } from '../task.js';
import type { JobMessage, WorkerReply } from './worker.js';

/** Runs a TaskSpec's jobs on `workers` threads (default all cores); results in job order. */
export function run_spec_on_workers(
  spec: TaskSpec,
  jobs: readonly Job[],
  workers: number | undefined,
  on_result?: OnResult,
): Promise<JobResult[]> {
  const n = Math.max(1, Math.min(workers ?? availableParallelism(), jobs.length));
  if (!Number.isInteger(n)) throw new Error(`run_jobs: workers must be an integer, got ${workers}`);
  return run_on_workers(spec, jobs, n, on_result);
}

register_spec_runner({
  run: run_spec_on_workers,
  model: async (spec) => build_model(await load_model_file(spec.model), false),
});

function run_on_workers(spec: TaskSpec, jobs: readonly Job[], n: number, on_result?: OnResult): Promise<JobResult[]> {
  const results: (JobResult | undefined)[] = new Array(jobs.length);
  const boot = new URL('./worker_boot.mjs', import.meta.url);
  const pool: Worker[] = [];
  const retired = new Set<Worker>(); // terminated on purpose: their exit code is not a crash
  let next = 0;
  let done = 0;
  return new Promise<JobResult[]>((resolve, reject) => {
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of pool) {
        retired.add(w);
        void w.terminate();
      }
      reject(e);
    };
    const feed = (w: Worker): void => {
      if (next >= jobs.length) {
        retired.add(w);
        void w.terminate();
        return;
      }
      const id = next++;
      w.postMessage({ id, job: jobs[id] } satisfies JobMessage);
    };
    for (let k = 0; k < n; k++) {
      const w = new Worker(boot, { workerData: { spec }, stdout: false, stderr: false });
      pool.push(w);
      w.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') feed(w);
        else if (m.type === 'fatal')
          fail(new Error(`sensitivity worker ${k}: cannot build the task from ${spec.model}: ${m.error}`));
        else if (m.type === 'error') fail(new Error(`sensitivity job ${m.id} (${job_label(jobs[m.id])}): ${m.error}`));
        else {
          results[m.id] = { accuracy: m.accuracy, seconds: m.seconds };
          done++;
          on_result?.(m.id, results[m.id] as JobResult, done, jobs.length);
          if (done === jobs.length) {
            for (const x of pool) {
              retired.add(x);
              void x.terminate();
            }
            resolve(results as JobResult[]);
          } else feed(w);
        }
      });
      w.on('error', (e) => fail(new Error(`sensitivity worker ${k} crashed: ${e.message}`)));
      w.on('exit', (code) => {
        if (!retired.has(w) && !failed) fail(new Error(`sensitivity worker ${k} exited with code ${code}`));
      });
    }
  });
}
