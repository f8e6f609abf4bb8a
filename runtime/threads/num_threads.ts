/**
 * `set_num_threads` / `get_num_threads`, as torch's. The default is 1: fxq starts no thread unless asked
 * (workers cost a start-up and an instance each, a page may run several libraries, and on a machine shared
 * by several processes extra threads can slow everyone down); `set_num_threads(n)` opts in. Where wasm
 * memory cannot be shared (no SharedArrayBuffer: a page that is not cross-origin isolated) it warns once
 * and everything runs on one thread. Thread pools (pool.ts) follow the count: they start or end workers.
 */
import { shared_memory_supported } from '../backends/wasm/memory_import.js';
import { pool_factory_loaded } from './host.js';

let requested = 1;
let supported: boolean | null = null;
let warned = false;
const pools = new Set<WeakRef<{ resize(): void; ready(): Promise<void> }>>();

function threads_supported(): boolean {
  supported ??= shared_memory_supported();
  return supported;
}

/** Sets how many threads the wasm kernels use (this thread plus n − 1 workers), as torch.set_num_threads. */
export function set_num_threads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`set_num_threads: n must be a positive integer, got ${n}`);
  requested = n;
  if (n > 1 && threads_supported()) void load_pools();
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

/**
 * Resolves when the workers set_num_threads asked for have started (in every loaded wasm backend). Node
 * waits for them at the first parallel call anyway; a browser's main thread cannot block, so until they
 * are up its calls run on fewer threads (same results): `await threads_ready()` after set_num_threads.
 */
export async function threads_ready(): Promise<void> {
  if (get_num_threads() > 1) await load_pools();
  const live = [...pools].map((r) => r.deref()).filter((p) => p !== undefined);
  await Promise.all(live.map((p) => p.ready()));
}

let loading: Promise<void> | null = null;

/** Loads the pool code (a separate chunk: the core stays small) and installs it. */
function load_pools(): Promise<void> {
  if (pool_factory_loaded()) return Promise.resolve();
  loading ??= import('./pool.js').then((m) => m.install_thread_pools());
  return loading;
}

/** Lets a pool follow set_num_threads (held weakly: a collected pool drops out). */
export function watch_num_threads(pool: { resize(): void; ready(): Promise<void> }): void {
  pools.add(new WeakRef(pool));
}
