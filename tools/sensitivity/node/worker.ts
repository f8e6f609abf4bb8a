/**
 * A sensitivity worker thread: rebuilds the Task from the TaskSpec in workerData (model file, weights,
 * data, qconfig name), says `ready`, then runs each job it is sent and posts the result (or the error).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Job, run_job, type TaskSpec } from '../task.js';
import { load_task } from './task_spec.js';

/** Messages from the pool. */
export interface JobMessage {
  id: number;
  job: Job;
}

/** Messages to the pool. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'fatal'; error: string }
  | { type: 'result'; id: number; accuracy: number; seconds: number }
  | { type: 'error'; id: number; error: string };

const port = parentPort;
if (!port) throw new Error('tools/sensitivity/node/worker.ts must run in a worker thread');
const post = (m: WorkerReply): void => port.postMessage(m);
try {
  const task = await load_task((workerData as { spec: TaskSpec }).spec);
  port.on('message', (m: JobMessage) => {
    try {
      const r = run_job(task, m.job);
      post({ type: 'result', id: m.id, accuracy: r.accuracy, seconds: r.seconds });
    } catch (e) {
      post({ type: 'error', id: m.id, error: (e as Error).message });
    }
  });
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'fatal', error: (e as Error).message });
}
