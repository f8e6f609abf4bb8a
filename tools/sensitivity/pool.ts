/**
 * Runs sensitivity jobs: in this thread for an in-memory Task, or over node:worker_threads for a
 * TaskSpec — each worker (tsx-loaded, worker_boot.mjs) rebuilds the model from the model file once and
 * then takes the next job whenever it is free, so uneven jobs still keep every core busy.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Job, type JobResult, job_label, run_job, type Task, type TaskSpec } from './task.js';
import type { JobMessage, WorkerReply } from './worker.js';

/** Called as each job finishes (in completion order), with how many are done. */
export type OnResult = (index: number, result: JobResult, done: number, total: number) => void;

/** Options of run_jobs. */
export interface RunJobsOptions {
  /** Worker threads for a TaskSpec: default all cores (os.availableParallelism()). */
  workers?: number;
  on_result?: OnResult;
}

/** True when `t` is a TaskSpec (a serialisable recipe) rather than an in-memory Task. */
export function is_task_spec(t: Task | TaskSpec): t is TaskSpec {
  return typeof (t as TaskSpec).model === 'string';
}

/** Runs `jobs`; results come back in job order. A failing job rejects, naming the job. */
export async function run_jobs(
  task: Task | TaskSpec,
  jobs: readonly Job[],
  options: RunJobsOptions = {},
): Promise<JobResult[]> {
  if (jobs.length === 0) return [];
  if (!is_task_spec(task)) {
    const out: JobResult[] = [];
    for (const [i, job] of jobs.entries()) {
      out.push(run_job(task, job));
      options.on_result?.(i, out[i], i + 1, jobs.length);
      await new Promise((r) => setImmediate(r)); // let progress output flush between jobs
    }
    return out;
  }
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), jobs.length));
  if (!Number.isInteger(workers)) throw new Error(`run_jobs: workers must be an integer, got ${options.workers}`);
  return run_on_workers(task, jobs, workers, options.on_result);
}

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
