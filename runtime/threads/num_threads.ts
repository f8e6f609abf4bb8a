/**
 * `set_num_threads` / `get_num_threads`, as torch's. The default is 1: fxq starts no thread unless asked
 * (workers cost a start-up and an instance each, a page may run several libraries, and on a machine shared
 * by several processes extra threads can slow everyone down); `set_num_threads(n)` opts in. Where wasm
 * memory cannot be shared (no SharedArrayBuffer: a page that is not cross-origin isolated) it warns once
 * and everything runs on one thread. Thread pools (pool.ts) follow the count: they start or end workers.
 */
import { shared_memory_supported } from '../backends/wasm/memory_import.js';

let requested = 1;
let supported: boolean | null = null;
let warned = false;
const pools = new Set<WeakRef<{ resize(): void }>>();

function threads_supported(): boolean {
  supported ??= shared_memory_supported();
  return supported;
}

/** Sets how many threads the wasm kernels use (this thread plus n − 1 workers), as torch.set_num_threads. */
export function set_num_threads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`set_num_threads: n must be a positive integer, got ${n}`);
  requested = n;
  if (n > 1 && !threads_supported() && !warned) {
    warned = true;
    console.warn(
      'fxq: set_num_threads: no shared wasm memory here (SharedArrayBuffer needs a cross-origin-isolated page: COOP/COEP headers); running on 1 thread',
    );
  }
  for (const ref of pools) {
    const p = ref.deref();
    if (p) p.resize();
    else pools.delete(ref);
  }
}

/** The number of threads the kernels use: what set_num_threads asked for, or 1 where threads are unavailable. */
export function get_num_threads(): number {
  return threads_supported() ? requested : 1;
}

/** Lets a pool follow set_num_threads (held weakly: a collected pool drops out). */
export function watch_num_threads(pool: { resize(): void }): void {
  pools.add(new WeakRef(pool));
}
