/**
 * The worker threads' code, as plain JavaScript source: evaluated by Node's worker_threads (`eval: true`)
 * or loaded from a Blob URL as a Web Worker, so it needs no separate file, bundler entry or TypeScript
 * loader (tsx, vitest) in the worker. A worker instantiates the kernels' compiled module on the shared
 * memory, flags itself ready, then sleeps on the SEQ word; woken, it takes chunks of the posted job from a
 * shared ticket (job id · 2¹⁶ + next chunk) until none is left, running each chunk's program (export calls
 * with numeric arguments) once its inputs are loaded, and flagging it done. The job id in the ticket keeps a
 * late worker of the last job from running a chunk twice. See pool.ts for the main side.
 */

/** Control words (Int32Array over one SharedArrayBuffer per pool). */
export const SEQ = 0;
/** (job id mod 2¹⁵) · 2¹⁶ + next chunk index: Atomics.add hands out chunks. */
export const TICKET = 1;
export const DONE = 2;
/** (job id) · 2¹⁶ + chunk count of the posted job, stored before TICKET. */
export const JOBN = 3;
export const ERR = 4;
export const ERR_LEN = 5;
/** Chunks the workers ran (all jobs): tests check the workers really computed. */
export const WORKER_CHUNKS = 6;
/** µs a worker polls SEQ for the next job before it sleeps in Atomics.wait (waking costs tens of µs). */
export const SPIN_US = 7;
/** Chunks [0, LOADED) of the posted job have their inputs in place (pool.ts ChunkIo): a worker waits for it. */
export const LOADED = 8;
/** Per worker slot w: QUIT0 + w (set: exit), READY0 + w (1 ready, −1 failed to instantiate). */
export const QUIT0 = 16;
export const MAX_WORKERS = 64;
export const READY0 = QUIT0 + MAX_WORKERS;
/** The error message, one char code per word. */
export const ERR_MSG = READY0 + MAX_WORKERS;
export const ERR_MAX = 400;
/** Program area (Float64Array): the chunk table [MAX_CHUNKS + 1] of start offsets, then the programs. */
export const MAX_CHUNKS = 256;
/** Per chunk i of the posted job: CHUNK_DONE0 + i is 1 once chunk i ran (cleared before each job). */
export const CHUNK_DONE0 = ERR_MSG + ERR_MAX;
export const CTRL_WORDS = CHUNK_DONE0 + MAX_CHUNKS;

const BODY = `
function fxq_thread(d) {
  const c = new Int32Array(d.ctrl);
  const p = new Float64Array(d.prog);
  const w = d.slot;
  let fns;
  try {
    const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
    fns = d.names.map((n) => inst.exports[n]);
  } catch (e) {
    Atomics.store(c, ${READY0} + w, -1);
    Atomics.notify(c, ${READY0} + w);
    return;
  }
  Atomics.store(c, ${READY0} + w, 1);
  Atomics.notify(c, ${READY0} + w);
  const a = [];
  let seen = Atomics.load(c, ${SEQ});
  const clock = globalThis.performance;
  for (;;) {
    // poll for the next job a while (a forward posts one per kernel, tens of µs apart), then sleep
    const until = clock.now() + Atomics.load(c, ${SPIN_US}) / 1000;
    for (let k = 1; Atomics.load(c, ${SEQ}) === seen; k++) {
      if ((k & 255) === 0 && clock.now() > until) {
        Atomics.wait(c, ${SEQ}, seen);
        break;
      }
    }
    if (Atomics.load(c, ${QUIT0} + w) !== 0) return;
    seen = Atomics.load(c, ${SEQ});
    for (;;) {
      // a ticket of another job than JOBN's (a straggler of the last one) or past its chunks: done
      const t = Atomics.add(c, ${TICKET}, 1);
      const jn = Atomics.load(c, ${JOBN});
      const i = t & 0xffff;
      const n = jn & 0xffff;
      if (t >>> 16 !== jn >>> 16 || i >= n) break;
      // the calling thread may still be copying this chunk's inputs in
      while (Atomics.load(c, ${LOADED}) <= i) {}
      try {
        let k = p[i];
        const end = p[i + 1];
        while (k < end) {
          const argc = p[k + 1];
          a.length = argc;
          for (let j = 0; j < argc; j++) a[j] = p[k + 2 + j];
          fns[p[k]].apply(null, a);
          k += 2 + argc;
        }
      } catch (e) {
        if (Atomics.compareExchange(c, ${ERR}, 0, 1) === 0) {
          const m = String((e && e.message) || e).slice(0, ${ERR_MAX});
          for (let j = 0; j < m.length; j++) c[${ERR_MSG} + j] = m.charCodeAt(j);
          Atomics.store(c, ${ERR_LEN}, m.length);
        }
      }
      Atomics.store(c, ${CHUNK_DONE0} + i, 1);
      Atomics.add(c, ${WORKER_CHUNKS}, 1);
      if (Atomics.add(c, ${DONE}, 1) + 1 === n) Atomics.notify(c, ${DONE});
    }
  }
}
`;

/** Source for Node's `new Worker(src, { eval: true, workerData })`. */
export const NODE_WORKER_SOURCE = `${BODY}\nfxq_thread(require('node:worker_threads').workerData);\n`;

/** Source of a Web Worker (Blob URL): the init message carries what workerData carries in Node. */
export const WEB_WORKER_SOURCE = `${BODY}\nself.onmessage = (e) => { self.onmessage = null; fxq_thread(e.data); self.close(); };\n`;

/** What a worker is started with (structured-cloned: the module and the shared buffers are shared, not copied). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrl: SharedArrayBuffer;
  prog: SharedArrayBuffer;
  names: readonly string[];
  /** The worker's slot (its QUIT / READY words). */
  slot: number;
}
