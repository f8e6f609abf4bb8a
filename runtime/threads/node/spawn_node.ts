/**
 * Starting a kernel worker with Node's worker_threads. Reached through `process.getBuiltinModule` (no
 * static `node:` import), so bundles for browsers keep this file without pulling Node built-ins in.
 * Workers are unref'd: an idle pool never keeps the process alive.
 */

import type { WorkerHandle } from '../spawn.js';
import { NODE_WORKER_SOURCE, type WorkerInit } from '../worker_source.js';

type WorkerThreads = typeof import('node:worker_threads');

/** Node's worker_threads, or null outside Node. */
export function node_worker_threads(): WorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  return (proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined) ?? null;
}

/** Starts a worker thread running the kernel loop; `on_exit` runs once when the thread has ended. */
export function spawn_node_worker(wt: WorkerThreads, init: WorkerInit, on_exit: () => void): WorkerHandle {
  const w = new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: init, stdout: false, stderr: false });
  w.unref();
  w.once('exit', on_exit);
  // an uncaught error ends the thread ('exit' follows); the pool sees ready = 0 or a missing done
  w.on('error', () => {});
  return {
    terminate() {
      void w.terminate();
    },
  };
}
