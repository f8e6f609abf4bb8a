/**
 * Threaded wasm elementwise and pooling kernels equal their one-thread output bit for bit (runtime/threads):
 * int8 qadd, qclamp, qlut, qmul (element ranges in 16s), qmax_pool2d (per-thread row and output stretch),
 * qavg_pool2d (plane ranges), fp32 relu, clamp, batch_norm_affine (images or one image's channels) and max_pool2d,
 * at 2 and 3 threads on random sizes that do and do not divide by the thread count.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qnnpack_add_params, qnnpack_avg_params } from '../../../runtime/backends/js/int8/pool_add.js';
import type { Pool2dGeometry } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { set_num_threads, threads_ready } from '../../../runtime/threads/num_threads.js';
import { pool_of } from '../../../runtime/threads/pool.js';
import { min_parallel_work } from '../../../runtime/threads/splits.js';
import { first_diff, lcg, uniform_f32 } from '../backends/_arbitraries.js';
import { at_threads } from './_at_threads.js';

const wasm = load_wasm_backend();
const q = wasm.int8;
const f = wasm.fp32;
const saved = { ...min_parallel_work };
afterAll(() => {
  Object.assign(min_parallel_work, saved);
  set_num_threads(1);
});

/** One thread, then all threads (_at_threads.ts), same workers: equal. */
function same<T extends ArrayLike<number>>(run: () => T): void {
  const [one, all] = at_threads(wasm.instance, run, (v) => Array.from(v) as unknown as T);
  expect(first_diff(one, all)).toBeNull();
}

function bytes(n: number, rnd: () => number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
}

const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const n_arb = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 5000 }));

const pool_arb = fc
  .record({
    planes: fc.integer({ min: 1, max: 9 }),
    ih: fc.integer({ min: 2, max: 20 }),
    iw: fc.integer({ min: 2, max: 40 }),
    k: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 2 }),
    pad: fc.boolean(),
  })
  .map((r): Pool2dGeometry => {
    const kh = Math.min(r.k, r.ih);
    const kw = Math.min(r.k, r.iw);
    const ph = r.pad ? kh >> 1 : 0;
    const pw = r.pad ? kw >> 1 : 0;
    return {
      planes: r.planes,
      in_h: r.ih,
      in_w: r.iw,
      out_h: Math.floor((r.ih + 2 * ph - kh) / r.s) + 1,
      out_w: Math.floor((r.iw + 2 * pw - kw) / r.s) + 1,
      kernel_h: kh,
      kernel_w: kw,
      stride: [r.s, r.s],
      padding: [ph, pw],
      dilation: [1, 1],
    };
  });

describe.each([2, 3])('threaded wasm elementwise kernels at %i threads equal one thread bit for bit', (t) => {
  let chunks0 = 0;
  beforeAll(async () => {
    set_num_threads(t);
    await threads_ready();
    chunks0 = pool_of(wasm.instance)?.worker_chunks ?? 0;
  });
  afterAll(() => {
    // the workers, not only this thread, computed chunks of the cases above
    expect((pool_of(wasm.instance)?.worker_chunks ?? 0) - chunks0).toBeGreaterThan(0);
  });

  it('int8 qadd, qclamp, qlut, qmul (200 random cases)', () => {
    fc.assert(
      fc.property(n_arb, seed, (n, s) => {
        const rnd = lcg(s);
        const [a, b] = [bytes(n, rnd), bytes(n, rnd)];
        const p = qnnpack_add_params(0.05, 120, 0.03, 131, 0.07, 128, rnd() < 0.5);
        if (!p) throw new Error('qnnpack_add_params rejected the scales');
        same(() => q.qadd(a, b, p));
        same(() => q.qclamp(a, 30, 200));
        const lut = bytes(256, rnd);
        same(() => q.qlut(a, lut));
        same(() =>
          q.qmul(a, b, {
            a_zero_point: 120,
            b_zero_point: 3,
            mult: Math.fround(0.0123),
            zero_point: 7,
            qmin: 0,
            qmax: 255,
          }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('int8 qmax_pool2d and qavg_pool2d, fp32 max_pool2d (200 random cases)', () => {
    fc.assert(
      fc.property(pool_arb, seed, (g, s) => {
        const rnd = lcg(s);
        const x = bytes(g.planes * g.in_h * g.in_w, rnd);
        same(() => q.qmax_pool2d(x, g));
        same(() => q.qavg_pool2d(x, g, qnnpack_avg_params(1 / (g.kernel_h * g.kernel_w), 100, 110)));
        const xf = uniform_f32(x.length, rnd);
        same(() => f.max_pool2d?.(xf, g) ?? new Float32Array());
      }),
      { numRuns: 200 },
    );
  });

  it('fp32 relu, clamp and batch_norm_affine (200 random cases, batch 1–4)', () => {
    fc.assert(
      fc.property(n_arb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), seed, (n, c, nb, s) => {
        const rnd = lcg(s);
        const x = uniform_f32(n, rnd).map((v) => v - 0.5);
        same(() => f.relu?.(x) ?? new Float32Array());
        same(() => f.clamp?.(x, -0.25, 0.3) ?? new Float32Array());
        const plane = Math.max(1, Math.floor(n / (c * nb)));
        const xb = uniform_f32(c * nb * plane, rnd);
        const scale = Float64Array.from({ length: c }, () => rnd() * 2);
        const shift = Float64Array.from({ length: c }, () => rnd() - 0.5);
        same(() => f.batch_norm_affine?.(xb, c * nb, plane, scale, shift) ?? new Float32Array());
      }),
      { numRuns: 200 },
    );
  });
});
