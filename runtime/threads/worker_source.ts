/**
 * The worker threads' code, as plain JavaScript source: evaluated by Node's worker_threads (`eval: true`)
 * or loaded from a Blob URL as a Web Worker, so it needs no separate file, bundler entry or TypeScript
 * loader (tsx, vitest) in the worker. A worker instantiates the kernels' compiled module on the shared
 * memory, flags itself ready, then loops: wait for a new sequence number, run the program (a list of
 * export calls with numeric arguments), store the sequence number as done. Control words (Int32Array):
 * 0 seq, 1 done, 2 ready (1; -1 failed), 3 error flag, 4 quit, 5 error message length (message in prog).
 */

const BODY = `
function fxq_thread(d) {
  const c = new Int32Array(d.ctrl);
  const p = new Float64Array(d.prog);
  let fns;
  try {
    const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
    fns = d.names.map((n) => inst.exports[n]);
  } catch (e) {
    Atomics.store(c, 2, -1);
    Atomics.notify(c, 2);
    return;
  }
  Atomics.store(c, 2, 1);
  Atomics.notify(c, 2);
  let seen = 0;
  const a = [];
  for (;;) {
    Atomics.wait(c, 0, seen);
    const seq = Atomics.load(c, 0);
    if (seq === seen) continue;
    seen = seq;
    if (Atomics.load(c, 4) !== 0) return;
    let err = 0;
    try {
      const n = p[0];
      let i = 1;
      for (let k = 0; k < n; k++) {
        const f = fns[p[i]];
        const argc = p[i + 1];
        a.length = argc;
        for (let j = 0; j < argc; j++) a[j] = p[i + 2 + j];
        f.apply(null, a);
        i += 2 + argc;
      }
    } catch (e) {
      err = 1;
      const m = String((e && e.message) || e).slice(0, 500);
      for (let j = 0; j < m.length; j++) p[j] = m.charCodeAt(j);
      c[5] = m.length;
    }
    Atomics.store(c, 3, err);
    Atomics.store(c, 1, seq);
    Atomics.notify(c, 1);
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
}

/** Control word indices (see the file comment). */
export const SEQ = 0;
export const DONE = 1;
export const READY = 2;
export const ERR = 3;
export const QUIT = 4;
export const ERR_LEN = 5;
export const CTRL_WORDS = 8;
