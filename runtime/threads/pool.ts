/**
 * A pool of kernel workers for one wasm instance: each worker instantiates the same compiled module on
 * the instance's shared memory. A parallel call records, per extra thread, the export calls that thread
 * makes (a program of numbers), starts the workers, runs part 0 on this thread and waits for the rest:
 * Atomics.wait where blocking is allowed (Node, workers), a spin on Atomics.load on a browser's main
 * thread (where Atomics.wait throws). Kernels write disjoint outputs and scratch per part, so the result
 * does not depend on the number of threads.
 */
import { REQUIRED_EXPORTS, type WasmExports } from '../backends/wasm/abi.js';
import type { WasmHeap } from '../backends/wasm/heap.js';
import type { WasmInstance } from '../backends/wasm/module.js';
import { get_num_threads, pending, thread_hooks } from './num_threads.js';
import { spawn_worker, type WorkerHandle } from './spawn.js';
import { PLANNERS, split_range } from './splits.js';
import { CTRL_WORDS, DONE, ERR, ERR_LEN, QUIT, READY, SEQ } from './worker_source.js';

/** Doubles in one worker's program buffer (256 KiB): a program past it runs on this thread instead. */
const PROG_DOUBLES = 1 << 15;
/** How long Node waits for a new worker to instantiate before running without it (ms). */
const READY_WAIT_MS = 10_000;

interface Slot {
  handle: WorkerHandle;
  ctrl: Int32Array;
  prog: Float64Array;
  seq: number;
  /** Write position in prog; past PROG_DOUBLES the program overflowed. */
  pos: number;
  recorder: WasmExports;
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

  /** Per-thread temp blocks (key `t:k`), grown as needed, freed with the pool. */
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
    pools.add(new WeakRef(this));
    // workers of a collected pool end with it
    ThreadPool.registry.register(this, this.slots);
  }

  /** A block of `bytes` for thread t's slot k, kept across calls (grown when too small). */
  temp(t: number, k: number, bytes: number): number {
    const key = `${t}:${k}`;
    const have = this.temps.get(key);
    if (have && have.bytes >= bytes) return have.off;
    if (have) this.heap.free(have.off, have.bytes);
    const b = { off: this.heap.alloc(bytes), bytes };
    this.temps.set(key, b);
    return b.off;
  }

  private static readonly registry = new FinalizationRegistry<Slot[]>((slots) => {
    for (const s of slots) ThreadPool.end(s);
  });

  private static end(s: Slot): void {
    Atomics.store(s.ctrl, QUIT, 1);
    Atomics.add(s.ctrl, SEQ, 1);
    Atomics.notify(s.ctrl, SEQ);
    s.handle.terminate();
  }

  /** Workers started (ready or not). */
  get worker_count(): number {
    return this.slots.length;
  }

  /** Starts or ends workers so that there are get_num_threads() − 1. */
  resize(): void {
    const want = get_num_threads() - 1;
    while (this.slots.length > want) ThreadPool.end(this.slots.pop() as Slot);
    while (this.slots.length < want) this.slots.push(this.start());
  }

  private start(): Slot {
    const ctrl_buf = new SharedArrayBuffer(CTRL_WORDS * 4);
    const prog_buf = new SharedArrayBuffer(PROG_DOUBLES * 8);
    const handle = spawn_worker({
      module: this.module,
      memory: this.memory,
      ctrl: ctrl_buf,
      prog: prog_buf,
      names: this.names,
    });
    const slot: Slot = {
      handle,
      ctrl: new Int32Array(ctrl_buf),
      prog: new Float64Array(prog_buf),
      seq: 0,
      pos: 1,
      recorder: {} as WasmExports,
    };
    const rec = slot.recorder as unknown as Record<string, (...args: number[]) => void>;
    for (const [name, id] of this.ids) {
      rec[name] = (...args: number[]) => {
        const p = slot.pos;
        if (p + 2 + args.length <= PROG_DOUBLES) {
          slot.prog[p] = id;
          slot.prog[p + 1] = args.length;
          for (let j = 0; j < args.length; j++) slot.prog[p + 2 + j] = args[j];
          slot.prog[0]++;
        }
        slot.pos = p + 2 + args.length;
      };
    }
    return slot;
  }

  /** Slots whose worker has instantiated (Node waits for a new one; a browser main thread cannot). */
  private ready_slots(): Slot[] {
    const out: Slot[] = [];
    for (const s of this.slots) {
      let r = Atomics.load(s.ctrl, READY);
      if (r === 0 && can_block()) {
        Atomics.wait(s.ctrl, READY, 0, READY_WAIT_MS);
        r = Atomics.load(s.ctrl, READY);
      }
      if (r === 1) out.push(s);
    }
    return out;
  }

  /** Resolves when every worker has instantiated (or failed to): a browser page awaits this after set_num_threads. */
  async ready(): Promise<void> {
    this.resize();
    for (;;) {
      if (this.slots.every((s) => Atomics.load(s.ctrl, READY) !== 0)) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Threads a parallel call can use now: this one plus the ready workers. */
  threads(): number {
    if (this.slots.length !== get_num_threads() - 1) this.resize();
    if (this.slots.length === 0) return 1;
    return 1 + this.ready_slots().length;
  }

  /**
   * Runs body(part, wx) for part = 0 … parts − 1, part 0 on this thread and the others on workers
   * (`parts` ≤ threads()); body must only call exports (through `wx`) on disjoint outputs and scratch.
   */
  run(parts: number, body: (part: number, wx: WasmExports) => void): void {
    if (parts <= 1) {
      body(0, this.exports);
      return;
    }
    const ready = this.ready_slots();
    if (parts - 1 > ready.length) throw new Error(`threads: ${parts} parts but ${ready.length + 1} threads ready`);
    const started: Slot[] = [];
    const local: number[] = [];
    for (let part = 1; part < parts; part++) {
      const s = ready[part - 1];
      s.prog[0] = 0;
      s.pos = 1;
      body(part, s.recorder);
      if (s.pos > PROG_DOUBLES) {
        local.push(part); // too long to hand over: this thread runs it
        continue;
      }
      s.seq++;
      Atomics.store(s.ctrl, ERR, 0);
      Atomics.store(s.ctrl, SEQ, s.seq);
      Atomics.notify(s.ctrl, SEQ);
      started.push(s);
    }
    body(0, this.exports);
    for (const part of local) body(part, this.exports);
    let failure: string | null = null;
    for (const s of started) {
      if (can_block()) {
        for (let d = Atomics.load(s.ctrl, DONE); d !== s.seq; d = Atomics.load(s.ctrl, DONE)) {
          Atomics.wait(s.ctrl, DONE, d);
        }
      } else {
        while (Atomics.load(s.ctrl, DONE) !== s.seq) {
          // spin: a browser main thread may not block
        }
      }
      if (Atomics.load(s.ctrl, ERR) !== 0 && failure === null) {
        failure = String.fromCharCode(...s.prog.subarray(0, s.ctrl[ERR_LEN]));
      }
    }
    if (failure !== null) throw new Error(`wasm backend: a kernel failed on a worker thread: ${failure}`);
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
      const ranges = plan ? split_range(plan.n, T, plan.align) : [];
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
