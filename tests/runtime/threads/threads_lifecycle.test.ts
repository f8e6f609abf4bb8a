/**
 * The thread pool's life cycle (runtime/threads): the default is 1 thread and no worker; set_num_threads
 * validates its argument, starts n − 1 workers, ends them when the count drops (their threads exit), and
 * idle workers never keep Node alive (a child that leaves 2 threads set exits by itself); pool.run's chunk copies
 * (ChunkIo) and what a failed copy leaves.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { get_num_threads, set_num_threads, threads_ready } from '../../../runtime/threads/num_threads.js';
import { pool_of } from '../../../runtime/threads/pool.js';
import { live_worker_count } from '../../../runtime/threads/spawn.js';

const wasm = load_wasm_backend();
afterAll(() => set_num_threads(1));

/** Waits until the live worker count is `n` (exit events arrive asynchronously), at most 5 s. */
async function live_becomes(n: number): Promise<number> {
  for (let i = 0; i < 500 && live_worker_count() !== n; i++) await new Promise((r) => setTimeout(r, 10));
  return live_worker_count();
}

describe('thread pool life cycle', () => {
  it('defaults to 1 thread; rejects counts that are not positive integers', () => {
    expect(get_num_threads()).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => set_num_threads(bad)).toThrow(/positive integer/);
  });

  it('starts n − 1 workers and ends them when the count drops, 20 times over', async () => {
    const base = await live_becomes(0);
    for (let i = 0; i < 20; i++) {
      const n = 2 + (i % 3);
      set_num_threads(n);
      await threads_ready();
      const pool = pool_of(wasm.instance);
      expect(pool?.worker_count).toBe(n - 1);
      expect(pool?.threads()).toBe(n);
      set_num_threads(1);
      expect(pool?.worker_count).toBe(0);
    }
    expect(await live_becomes(base)).toBe(base);
  }, 60_000);

  it('idle workers do not keep Node alive', () => {
    const child = join(import.meta.dirname, 'fixtures/unref_child.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toContain('live workers 1');
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.status).toBe(0);
  }, 70_000);
});

describe('pool.run with chunk copies (ChunkIo)', () => {
  it('loads every chunk before it runs and stores it after; a failed load throws after the job ran out, and the next job is sound', async () => {
    set_num_threads(2);
    await threads_ready();
    const pool = pool_of(wasm.instance);
    if (!pool) throw new Error('no pool');
    const heap = wasm.instance.heap;
    const chunks = 6;
    const n = 4096;
    const ptr = heap.alloc(chunks * n * 4);
    const run = (fail_at: number | null) => {
      const out = new Float32Array(chunks * n).fill(7);
      pool.run(
        chunks,
        (k, wx) => {
          // ~0.3 ms a chunk: long enough for the worker to take some
          for (let r = 0; r < 300; r++) wx.relu_f32(ptr + k * n * 4, n, ptr + k * n * 4);
        },
        {
          load: (k) => {
            if (k === fail_at) throw new Error(`load of chunk ${k} failed`);
            const v = new Float32Array(heap.memory.buffer, ptr + k * n * 4, n);
            for (let i = 0; i < n; i++) v[i] = i % 2 ? -(k + 1) : k + 1;
          },
          store: (k) => out.set(new Float32Array(heap.memory.buffer, ptr + k * n * 4, n), k * n),
        },
      );
      return out;
    };
    try {
      const chunks0 = pool.worker_chunks;
      let ok = run(null);
      for (let k = 0; k < chunks; k++)
        for (const i of [0, 1, n - 2, n - 1]) expect(ok[k * n + i], `chunk ${k} [${i}]`).toBe(i % 2 ? 0 : k + 1);
      expect(() => run(3)).toThrow('load of chunk 3 failed');
      ok = run(null);
      for (let k = 0; k < chunks; k++) expect(ok[k * n], `chunk ${k} after the failure`).toBe(k + 1);
      // the worker takes chunks when it wakes in time: on a loaded machine (the whole suite running) give it more jobs
      for (let i = 0; i < 50 && pool.worker_chunks === chunks0; i++) ok = run(null);
      expect(pool.worker_chunks).toBeGreaterThan(chunks0);
    } finally {
      heap.free(ptr, chunks * n * 4);
      set_num_threads(1);
    }
  });
});
