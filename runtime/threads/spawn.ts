/**
 * Starting a kernel worker: Node's worker_threads where they exist (node/spawn_node.ts), else a Web Worker
 * from a Blob URL. Counts live workers (started and not yet exited) for the leak checks.
 */
import { node_worker_threads, spawn_node_worker } from './node/spawn_node.js';
import { WEB_WORKER_SOURCE, type WorkerInit } from './worker_source.js';

/** A started worker. */
export interface WorkerHandle {
  terminate(): void;
}

let live = 0;

/** Workers started and not yet exited (Node: counted down on the thread's 'exit' event). */
export function live_worker_count(): number {
  return live;
}

let web_url: string | null = null;

/** Starts one worker on `init`. */
export function spawn_worker(init: WorkerInit): WorkerHandle {
  const wt = node_worker_threads();
  live++;
  if (wt) return spawn_node_worker(wt, init, () => live--);
  web_url ??= URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(web_url);
  w.postMessage(init);
  let ended = false;
  return {
    terminate() {
      w.terminate();
      if (!ended) live--;
      ended = true;
    },
  };
}
