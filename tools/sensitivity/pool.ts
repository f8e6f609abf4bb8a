/**
 * Runs sensitivity jobs. An in-memory Task runs in this thread, one job after another (anywhere,
 * browsers included). A TaskSpec (a model file path) runs on Node worker threads: node/workers.ts
 * registers that runner when loaded (the Node entry `fxq` loads it).
 */
import type { Module } from '../../runtime/nn/module.js';
import { type Job, type JobResult, run_job, type Task, type TaskSpec } from './task.js';

/** Called as each job finishes (in completion order), with how many are done. */
export type OnResult = (index: number, result: JobResult, done: number, total: number) => void;

/** Options of run_jobs. */
export interface RunJobsOptions {
  /** Worker threads for a TaskSpec (Node): default all cores (os.availableParallelism()). */
  workers?: number;
  on_result?: OnResult;
}

/** Runs TaskSpecs (Node worker threads) and builds a spec's float model (to list its layers). */
export interface SpecRunner {
  run(spec: TaskSpec, jobs: readonly Job[], workers: number | undefined, on_result?: OnResult): Promise<JobResult[]>;
  model(spec: TaskSpec): Promise<Module>;
}

let spec_runner: SpecRunner | null = null;

/** Installs the TaskSpec runner (node/workers.ts does, on load). */
export function register_spec_runner(runner: SpecRunner): void {
  spec_runner = runner;
}

/** The TaskSpec runner, or an error saying where it lives. */
export function get_spec_runner(what: string): SpecRunner {
  if (!spec_runner)
    throw new Error(
      `${what}: a TaskSpec (model file path) runs on Node worker threads, which are not loaded here: ` +
        "import from 'fxq' in Node (or tools/sensitivity/node/workers.js), or pass a Task (model, calibrate, evaluate)",
    );
  return spec_runner;
}

/** True when `t` is a TaskSpec (a serialisable recipe) rather than an in-memory Task. */
export function is_task_spec(t: Task | TaskSpec): t is TaskSpec {
  return typeof (t as TaskSpec).model === 'string';
}

/** The float model of a Task, or the one a TaskSpec's model file builds (Node). */
export function model_of_task(task: Task | TaskSpec, what: string): Promise<Module> | Module {
  return is_task_spec(task) ? get_spec_runner(what).model(task) : task.model;
}

/** Runs `jobs`; results come back in job order. A failing job rejects, naming the job. */
export async function run_jobs(
  task: Task | TaskSpec,
  jobs: readonly Job[],
  options: RunJobsOptions = {},
): Promise<JobResult[]> {
  if (jobs.length === 0) return [];
  if (is_task_spec(task)) return get_spec_runner('run_jobs').run(task, jobs, options.workers, options.on_result);
  const out: JobResult[] = [];
  for (const [i, job] of jobs.entries()) {
    out.push(run_job(task, job));
    options.on_result?.(i, out[i], i + 1, jobs.length);
    await new Promise((r) => setTimeout(r, 0)); // let progress output (or a page) update between jobs
  }
  return out;
}
