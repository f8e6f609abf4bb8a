/**
 * A pool of kernel workers for one wasm instance: each worker instantiates the same compiled module on
 * the instance's shared memory. A parallel call is cut into chunks (guided: big ones first); each chunk's export
 * calls are recorded as a program of numbers, the workers are woken, and they and this thread take
 * chunks from a shared ticket until none is left (a thread the OS deschedules loses its share to the
 * others); this thread then waits for the last: Atomics.wait where blocking is allowed (Node, workers), a
 * spin on Atomics.load on a browser's main thread (where Atomics.wait throws). Chunks write disjoint
 * outputs and scratch, so the result does not depend on which thread ran what.
 */
import { REQUIRED_EXPORTS, type WasmExports } from '../backends/wasm/abi.js';
import type { WasmHeap } from '../backends/wasm/heap.js';
import type { WasmInstance } from '../backends/wasm/module.js';
import { get_num_threads, pending, thread_hooks } from './num_threads.js';
import { spawn_worker, type WorkerHandle } from './spawn.js';
import { guided_ranges } from './split.js';
import { min_parallel_work, PLANNERS } from './splits.js';
import {
  CHUNK_DONE0,
  CTRL_WORDS,
  DONE,
  ERR,
  ERR_LEN,
  ERR_MSG,
  JOBN,
  LOADED,
  MAX_CHUNKS,
  MAX_WORKERS,
  QUIT0,
  READY0,
  SEQ,
  SPIN_US,
  TICKET,
  WORKER_CHUNKS,
} from './worker_source.js';

/** Doubles in the program area (512 KiB): a job whose programs do not fit runs on this thread alone. */
const PROG_DOUBLES = 1 << 16;
/** How long Node waits for a new worker to instantiate before running without it (ms). */
const READY_WAIT_MS = 10_000;
/**
 * How long threads poll before they sleep (µs): a worker for the next job after finishing one, this thread for
 * the workers' last chunks. Waking a sleeping thread (Atomics.notify → Atomics.wait returns) takes tens of µs,
 * as long as a whole chunk of a small kernel, and a forward posts a job per kernel a few µs to a few hundred µs
 * apart; polling a little longer than that gap keeps the workers awake through a forward. Past it they sleep,
 * so an idle pool costs no CPU. Tunable (benchmarks: 0 measures the sleep-only hand-off).
 */
export const thread_spin = { worker_us: 500, wait_us: 200 };

/**
 * The copies around a split call, overlapped with its chunks (all on the calling thread): `load(k)` puts
 * chunk k's inputs in place before any thread runs chunk k — chunk 0's before the workers wake, the rest
 * while they run —, `store(k)` takes chunk k's outputs out as soon as it is done, while others still run.
 */
export interface ChunkIo {
  load(k: number): void;
  store(k: number): void;
}

interface Slot {
  handle: WorkerHandle;
  /** Index of the worker's QUIT / READY words. */
  w: number;
}

let blocking: boolean | null = null;

/** Whether Atomics.wait may block this thread (not on a browser's main thread). */
function can_block(): boolean {
  if (blocking === null) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

/** The kernel pool of one instance; follows get_num_threads(). */
export class ThreadPool {
  private slots: Slot[] = [];
  private readonly ids: Map<string, number>;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
  private readonly prog = new Float64Array(new SharedArrayBuffer(PROG_DOUBLES * 8));
  private job = 0;
  /** Write position in prog while recording (past PROG_DOUBLES: overflowed). */
  private pos = 0;
  private readonly recorder: WasmExports;
  /** Per-chunk temp blocks (key `t:k`), grown as needed. */
  private temps = new Map<string, { off: number; bytes: number }>();

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** The instance's own exports (workers call theirs: the same functions on the same memory). */
    private readonly exports: WasmExports,
    private readonly heap: WasmHeap,
    private readonly names: readonly string[] = REQUIRED_EXPORTS.filter((n) => typeof exports[n] === 'function'),
  ) {
    this.ids = new Map(names.map((n, i) => [n, i]));
    const rec: Record<string, (...args: number[]) => void> = {};
    for (const [name, id] of this.ids) {
      rec[name] = (...args: number[]) => {
        const p = this.pos;
        if (p + 2 + args.length <= PROG_DOUBLES) {
          this.prog[p] = id;
          this.prog[p + 1] = args.length;
          for (let j = 0; j < args.length; j++) this.prog[p + 2 + j] = args[j];
        }
        this.pos = p + 2 + args.length;
      };
    }
    this.recorder = rec as unknown as WasmExports;
    pools.add(new WeakRef(this));
    // workers of a collected pool end with it
    ThreadPool.registry.register(this, { ctrl: this.ctrl, slots: this.slots });
  }

  private static readonly registry = new FinalizationRegistry<{ ctrl: Int32Array; slots: Slot[] }>((h) => {
    for (const s of h.slots) ThreadPool.end(h.ctrl, s);
  });

  private static end(ctrl: Int32Array, s: Slot): void {
    Atomics.store(ctrl, QUIT0 + s.w, 1);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    s.handle.terminate();
  }

  /** A block of `bytes` for chunk t's slot k, kept across calls (grown when too small). */
  temp(t: number, k: number, bytes: number): number {
    const key = `${t}:${k}`;
    const have = this.temps.get(key);
    if (have && have.bytes >= bytes) return have.off;
    if (have) this.heap.free(have.off, have.bytes);
    const b = { off: this.heap.alloc(bytes), bytes };
    this.temps.set(key, b);
    return b.off;
  }

  /** Chunks run by the workers so far (not by this thread). */
  get worker_chunks(): number {
    return Atomics.load(this.ctrl, WORKER_CHUNKS);
  }

  /** Workers started (ready or not). */
  get worker_count(): number {
    return this.slots.length;
  }

  /** Starts or ends workers so that there are get_num_threads() − 1 (at most MAX_WORKERS). */
  resize(): void {
    const want = Math.min(MAX_WORKERS, get_num_threads() - 1);
    while (this.slots.length > want) ThreadPool.end(this.ctrl, this.slots.pop() as Slot);
    while (this.slots.length < want) this.slots.push(this.start());
  }

  private start(): Slot {
    const used = new Set(this.slots.map((s) => s.w));
    let w = 0;
    while (used.has(w)) w++;
    Atomics.store(this.ctrl, QUIT0 + w, 0);
    Atomics.store(this.ctrl, READY0 + w, 0);
    const handle = spawn_worker({
      module: this.module,
      memory: this.memory,
      ctrl: this.ctrl.buffer as SharedArrayBuffer,
      prog: this.prog.buffer as SharedArrayBuffer,
      names: this.names,
      slot: w,
    });
    return { handle, w };
  }

  /** Resolves when every worker has instantiated (or failed to): a browser page awaits this after set_num_threads. */
  async ready(): Promise<void> {
    this.resize();
    while (this.slots.some((s) => Atomics.load(this.ctrl, READY0 + s.w) === 0)) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Threads a parallel call can use now: this one plus the ready workers (Node waits for new ones). */
  threads(): number {
    if (this.slots.length !== Math.min(MAX_WORKERS, get_num_threads() - 1)) this.resize();
    let n = 1;
    for (const s of this.slots) {
      let r = Atomics.load(this.ctrl, READY0 + s.w);
      if (r === 0 && can_block()) {
        Atomics.wait(this.ctrl, READY0 + s.w, 0, READY_WAIT_MS);
        r = Atomics.load(this.ctrl, READY0 + s.w);
      }
      if (r === 1) n++;
    }
    return n;
  }

  /**
   * run() over ranges of units (the images of a batch): fn(wx, u, k) for every unit u of range k, with each
   * range's copies (`io`, given the range's [u0, u1)) overlapped with the other ranges as ChunkIo.
   */
  run_ranges(
    ranges: [number, number][],
    fn: (wx: WasmExports, u: number, k: number) => void,
    io: { load(u0: number, u1: number): void; store(u0: number, u1: number): void },
  ): void {
    this.run(
      ranges.length,
      (k, wx) => {
        for (let u = ranges[k][0]; u < ranges[k][1]; u++) fn(wx, u, k);
      },
      { load: (k) => io.load(ranges[k][0], ranges[k][1]), store: (k) => io.store(ranges[k][0], ranges[k][1]) },
    );
  }

  /**
   * Ranges of n units for a wrapper that splits a call itself (`macs` multiply-adds in all: the images of a
   * batch), guided: big ranges first, single units last; one range [0, n): this thread alone (too little work,
   * or one thread).
   */
  ranges(n: number, macs: number): [number, number][] {
    const t = macs < min_parallel_work.macs ? 1 : this.threads();
    return t > 1 ? guided_ranges(n, t, 1, MAX_CHUNKS) : [[0, n]];
  }

  /**
   * Runs body(i, wx) for every chunk i < chunks: the workers and this thread take chunks from a shared
   * ticket until none is left (so a descheduled thread's share goes to the others), then this thread
   * waits for the last. body must only call exports (through `wx`) on disjoint outputs and scratch.
   * `io`: the chunks' input and output copies, overlapped with the chunks (ChunkIo).
   */
  run(chunks: number, body: (chunk: number, wx: WasmExports) => void, io?: ChunkIo): void {
    const inline = () => {
      for (let i = 0; i < chunks; i++) {
        io?.load(i);
        body(i, this.exports);
        io?.store(i);
      }
    };
    if (chunks <= 1 || this.slots.length === 0 || chunks > MAX_CHUNKS) {
      inline();
      return;
    }
    // record every chunk's program (its export calls) for the workers
    const c = this.ctrl;
    const p = this.prog;
    this.pos = MAX_CHUNKS + 1;
    for (let i = 0; i < chunks; i++) {
      p[i] = this.pos;
      body(i, this.recorder);
    }
    p[chunks] = this.pos;
    if (this.pos > PROG_DOUBLES) {
      inline();
      return;
    }
    this.job = (this.job + 1) & 0x7fff;
    Atomics.store(c, ERR, 0);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, SPIN_US, thread_spin.worker_us);
    for (let i = 0; i < chunks; i++) Atomics.store(c, CHUNK_DONE0 + i, 0);
    if (io) io.load(0);
    Atomics.store(c, LOADED, io ? 1 : chunks);
    Atomics.store(c, JOBN, (this.job << 16) | chunks);
    Atomics.store(c, TICKET, this.job << 16);
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
    // the other chunks' inputs while the workers start on chunk 0 (a failed copy still releases the workers:
    // the job runs out, then the error is thrown)
    let failure: Error | null = null;
    if (io)
      try {
        for (let i = 1; i < chunks; i++) {
          io.load(i);
          Atomics.store(c, LOADED, i + 1);
        }
      } catch (e) {
        failure = e as Error;
        Atomics.store(c, LOADED, chunks);
      }
    const stored = io ? new Uint8Array(chunks) : null;
    /** Stores the outputs of the chunks done since the last sweep. */
    const sweep = () => {
      if (!io || !stored) return;
      for (let j = 0; j < chunks; j++)
        if (stored[j] === 0 && Atomics.load(c, CHUNK_DONE0 + j) === 1) {
          stored[j] = 1;
          // an error waits until every chunk is done (the workers must not outlive the call)
          try {
            io.store(j);
          } catch (e) {
            failure ??= e as Error;
          }
        }
    };
    for (;;) {
      const t = Atomics.add(c, TICKET, 1);
      const i = t & 0xffff;
      if (t >>> 16 !== this.job || i >= chunks) break;
      try {
        body(i, this.exports);
      } catch (e) {
        failure ??= e as Error;
      }
      Atomics.store(c, CHUNK_DONE0 + i, 1);
      Atomics.add(c, DONE, 1);
      sweep();
    }
    if (can_block()) {
      const until = performance.now() + thread_spin.wait_us / 1000;
      for (let k = 1; Atomics.load(c, DONE) < chunks; k++) {
        if ((k & 255) === 0) {
          sweep();
          if (performance.now() > until) break;
        }
      }
      for (let d = Atomics.load(c, DONE); d < chunks; d = Atomics.load(c, DONE)) Atomics.wait(c, DONE, d);
    } else {
      while (Atomics.load(c, DONE) < chunks) {
        // spin: a browser main thread may not block
      }
    }
    sweep();
    if (failure) throw failure;
    if (Atomics.load(c, ERR) !== 0) {
      const msg = String.fromCharCode(...c.subarray(ERR_MSG, ERR_MSG + Atomics.load(c, ERR_LEN)));
      throw new Error(`wasm backend: a kernel failed on a worker thread: ${msg}`);
    }
  }
}

const pools = new Set<WeakRef<ThreadPool>>();

function live_pools(): ThreadPool[] {
  const out: ThreadPool[] = [];
  for (const r of pools) {
    const p = r.deref();
    if (p) out.push(p);
    else pools.delete(r);
  }
  return out;
}

/**
 * Gives an instance a pool and replaces its heavy exports (splits.ts PLANNERS) by versions that split
 * each call across the pool's threads; the kernel wrappers call `inst.exports.<name>` and so run threaded.
 */
function attach(inst: WasmInstance, mod: WebAssembly.Module): void {
  const ex = inst.exports as unknown as Record<string, (...a: number[]) => unknown>;
  const raw = { ...inst.exports } as WasmExports;
  const pool = new ThreadPool(mod, inst.heap.memory, raw, inst.heap);
  (inst as { pool?: ThreadPool }).pool = pool;
  const copy = (dst: number, src: number, n: number) => inst.heap.u8.copyWithin(dst, src, src + n);
  const temp = (t: number, k: number, bytes: number) => pool.temp(t, k, bytes);
  for (const [name, planner] of Object.entries(PLANNERS)) {
    const f = ex[name];
    if (typeof f !== 'function' || !planner) continue;
    ex[name] = (...a: number[]) => {
      const T = pool.threads();
      const plan = T > 1 ? planner(a, T, raw, temp, copy) : null;
      const ranges = plan ? guided_ranges(plan.n, T, plan.align, MAX_CHUNKS) : [];
      if (!plan || ranges.length < 2) return f(...a);
      const parts = ranges.map(([u0, u1], t) => plan.part(u0, u1, t));
      pool.run(parts.length, (p, wx) => (wx as unknown as Record<string, (...a: number[]) => void>)[name](...parts[p]));
      plan.after?.(ranges, parts);
    };
  }
}

/** The pool of an instance on shared memory (undefined before the pool code loaded or without sharing). */
export function pool_of(inst: WasmInstance): ThreadPool | undefined {
  return (inst as { pool?: ThreadPool }).pool;
}

/** Makes this file the thread implementation (idempotent): pools for every shared-memory instance. */
export function install_thread_pools(): void {
  if (thread_hooks.attach) return;
  thread_hooks.attach = attach;
  thread_hooks.resize = () => {
    for (const p of live_pools()) p.resize();
  };
  thread_hooks.ready = async () => {
    await Promise.all(live_pools().map((p) => p.ready()));
  };
  for (const [ref, mod] of pending.splice(0)) {
    const inst = ref.deref();
    if (inst) attach(inst, mod);
  }
}
