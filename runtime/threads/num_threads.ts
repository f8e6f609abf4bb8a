/**
 * `set_num_threads` / `get_num_threads`, as torch's. The default is 1: fxq starts no thread unless asked
 * (workers cost a start-up and an instance each, a page may run several libraries, and on a machine shared
 * by several processes extra threads slow everyone down). Where wasm memory cannot be shared (no
 * SharedArrayBuffer: a page that is not cross-origin isolated) it warns once and runs on one thread.
 * This file is all the browser-safe core carries: the pool, the worker code and the kernel splits
 * (pool.ts, splits.ts) are a separate chunk, loaded by the first set_num_threads(n > 1) (or statically by
 * the Node entry, index.ts), which then attaches a pool to every shared-memory wasm instance.
 */
import type { WasmInstance } from '../backends/wasm/module.js';

let requested = 1;
let warned = false;
let loading: Promise<unknown> | undefined;

/** Set by pool.ts once loaded: attach a pool to an instance, follow the count, await the workers. */
export const thread_hooks: {
  attach?: (inst: WasmInstance, mod: WebAssembly.Module) => void;
  resize?: () => void;
  ready?: () => Promise<void>;
} = {};

/** Instances made before the pool code loaded (attached when it does). */
export const pending: [WeakRef<WasmInstance>, WebAssembly.Module][] = [];

/** Registers an instance on shared memory for threads. */
export function share_threads(inst: WasmInstance, mod: WebAssembly.Module): void {
  if (thread_hooks.attach) thread_hooks.attach(inst, mod);
  else pending.push([new WeakRef(inst), mod]);
}

const sab = () => typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated !== false;

/** Sets how many threads the wasm kernels use (this one plus n − 1 workers), as torch.set_num_threads. */
export function set_num_threads(n: number): void {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`set_num_threads: n must be a positive integer, got ${n}`);
  requested = n;
  if (n > 1 && !sab() && !warned) {
    warned = true;
    console.warn('fxq: set_num_threads: no SharedArrayBuffer (page not cross-origin isolated): 1 thread');
  }
  if (n > 1 && sab()) loading ??= import('./pool.js').then((m) => m.install_thread_pools());
  thread_hooks.resize?.();
}

/** Threads the kernels use: what set_num_threads asked for, or 1 where threads are unavailable. */
export function get_num_threads(): number {
  return sab() ? requested : 1;
}

/**
 * Resolves when the workers set_num_threads asked for are up. Node waits for them at the first parallel
 * call; a browser's main thread cannot block, so until then its calls use fewer threads (same results).
 */
export async function threads_ready(): Promise<void> {
  await loading;
  await thread_hooks.ready?.();
}
