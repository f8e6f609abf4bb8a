/**
 * The link between a wasm instance and its thread pool, kept small so the browser-safe core carries only
 * this: the pool, the worker code and the spawners (pool.ts) are a separate chunk, imported on the first
 * set_num_threads(n > 1) (num_threads.ts) or statically by the Node entry (index.ts), and attached to every
 * host then. Until a pool is attached a host runs everything on the calling thread.
 */
import type { WasmExports } from '../backends/wasm/abi.js';

/** What the kernel wrappers need from a pool (pool.ts ThreadPool). */
export interface Pool {
  /** Threads the next parallel call can use: this one plus the ready workers. */
  threads(): number;
  /** body(part, wx) for every part, part 0 on this thread; parts ≤ threads(). */
  run(parts: number, body: (part: number, wx: WasmExports) => void): void;
  readonly worker_count: number;
  resize(): void;
  ready(): Promise<void>;
}

/** Makes the pool of one instance. */
export type PoolFactory = (host: ThreadHost) => Pool;

let factory: PoolFactory | null = null;
const hosts = new Set<WeakRef<ThreadHost>>();

/** A wasm instance whose memory is shared: worker threads can instantiate `module` on `memory`. */
export class ThreadHost {
  pool: Pool | null = null;

  constructor(
    readonly module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    readonly exports: WasmExports,
    readonly names: readonly string[],
  ) {
    if (factory) this.pool = factory(this);
    else hosts.add(new WeakRef(this));
  }

  /** Threads the next parallel call can use (1 until the pool code is loaded). */
  threads(): number {
    return this.pool ? this.pool.threads() : 1;
  }
}

/** Installs the pool implementation (pool.ts) and gives every host made so far its pool. */
export function set_pool_factory(f: PoolFactory): void {
  if (factory) return;
  factory = f;
  for (const ref of hosts) {
    const h = ref.deref();
    if (h && !h.pool) h.pool = f(h);
  }
  hosts.clear();
}

/** Whether the pool code is loaded. */
export function pool_factory_loaded(): boolean {
  return factory !== null;
}
