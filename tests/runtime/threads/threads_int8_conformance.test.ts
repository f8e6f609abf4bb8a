/**
 * Threaded wasm int8 kernels equal their one-thread output bit for bit (runtime/threads): qconv2d on every
 * path (direct, tap pairs, im2col + GEMM, depthwise) split by image and by output channel, qlinear and
 * qlinear_acc split by output features and by rows, qmatmul by matrices of the batch, over random shapes whose sizes do and do not divide
 * by the thread count (2 and 3 threads). The hand-off threshold is set to 0 so tiny cases split too.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conv2dGeometry, Int8Kernels, QOutput, QWeightSource } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { make_wasm_int8, type WasmQConvStrategy } from '../../../runtime/backends/wasm/int8.js';
import { get_num_threads, set_num_threads, threads_ready } from '../../../runtime/threads/num_threads.js';
import { pool_of } from '../../../runtime/threads/pool.js';
import { min_parallel_work } from '../../../runtime/threads/splits.js';
import { conv_geometry_arb, first_diff, ints, lcg, zp_i8, zp_u8 } from '../backends/_arbitraries.js';
import { at_threads as threads_of } from './_at_threads.js';

const wasm = load_wasm_backend();
const saved = { ...min_parallel_work };
afterAll(() => {
  Object.assign(min_parallel_work, saved);
  set_num_threads(1);
});

const kernels: Record<WasmQConvStrategy, Int8Kernels> = {
  auto: wasm.int8,
  direct: make_wasm_int8(wasm.instance, 'direct'),
  pairs: make_wasm_int8(wasm.instance, 'pairs'),
  gemm: make_wasm_int8(wasm.instance, 'gemm'),
};

/** Random geometries at batch 1–7 (a batch splits by image; one image by channel, its input transforms by rows). */
const geometry = (depthwise: boolean) =>
  fc
    .tuple(
      conv_geometry_arb({
        groups: depthwise ? [2, 11] : [1, 2],
        cig: depthwise
          ? [[1, 1]]
          : [
              [1, 3],
              [4, 20],
            ],
        cog: depthwise ? [1, 2] : [1, 19],
        kh: [1, 3],
        kw: [1, 4],
        stride: [1, 2],
        padding: [0, 2],
        dh: [1, 2],
        dw: [1, 2],
        extra_h: [0, 6],
        extra_w: [0, 20],
      }),
      // batch 1 in half the cases: one image splits inside (planes, im2col rows, channels), not by image
      fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 7 })),
    )
    .map(([g, batch]) => ({ ...g, batch }));

function weight(n: number, k: number, rnd: () => number, per_channel: boolean, w_zp: number): QWeightSource {
  const nq = per_channel ? n : 1;
  return {
    data: Int8Array.from(ints(n * k, -128, 127, rnd)),
    n,
    k,
    scales: Float32Array.from({ length: nq }, () => 2 ** (-8 + 4 * rnd())),
    zero_points: Int32Array.from({ length: nq }, (_, i) => (i === 0 ? w_zp : ints(1, -128, 127, rnd)[0])),
    bias: rnd() < 0.7 ? Float32Array.from({ length: n }, () => (rnd() - 0.5) * 8) : null,
  };
}

/** One thread and all threads (_at_threads.ts), with the same packed weight and the same workers. */
const at_threads = <T>(run: () => T) => threads_of(wasm.instance, run);

function expect_all_equal(outs: ArrayLike<number>[]): void {
  for (let i = 1; i < outs.length; i++) expect(first_diff(outs[0], outs[i])).toBeNull();
}

const qcase = fc.record({ seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), x_zp: zp_u8, w_zp: zp_i8, out_zp: zp_u8 });

function conv_case(k: Int8Kernels, g: Conv2dGeometry, q: { seed: number; x_zp: number; w_zp: number; out_zp: number }) {
  const rnd = lcg(q.seed);
  const kk = (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
  const pw = k.pack_qweight(weight(g.out_channels, kk, rnd, rnd() < 0.5, q.w_zp));
  const len = g.batch * g.in_channels * g.in_h * g.in_w;
  const x = { data: Uint8Array.from(ints(len, 0, 255, rnd)), scale: 2 ** (-6 * rnd()), zero_point: q.x_zp };
  const out: QOutput = { scale: 2 ** (-4 * rnd() - 2), zero_point: q.out_zp, qmin: 0, qmax: 255 };
  expect_all_equal(at_threads(() => k.qconv2d(x, g, pw, out)));
}

describe.each([2, 3])('threaded wasm int8 kernels at %i threads equal one thread bit for bit', (t) => {
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

  it('the threads are running (Node)', () => {
    expect(get_num_threads()).toBe(t);
    expect(pool_of(wasm.instance)?.threads()).toBe(t);
  });

  for (const s of ['direct', 'pairs', 'gemm'] as const) {
    it(`qconv2d '${s}' (80 random dense and grouped cases, batch 1–7)`, () => {
      fc.assert(
        fc.property(geometry(false), qcase, (g, q) => conv_case(kernels[s], g, q)),
        { numRuns: 80 },
      );
    });
  }

  it('qconv2d depthwise (80 random cases, channel multiplier 1–2)', () => {
    fc.assert(
      fc.property(geometry(true), qcase, (g, q) => conv_case(wasm.int8, g, q)),
      { numRuns: 80 },
    );
  });

  it('qmatmul (100 random batched shapes: batch 1–9, m 1–20, k 1–70, n 1–20)', () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 9 }),
          m: fc.integer({ min: 1, max: 20 }),
          k: fc.integer({ min: 1, max: 70 }),
          n: fc.integer({ min: 1, max: 20 }),
        }),
        qcase,
        (g, q) => {
          const rnd = lcg(q.seed);
          const a = { data: Uint8Array.from(ints(g.batch * g.m * g.k, 0, 255, rnd)), scale: 0.02, zero_point: q.x_zp };
          const b = {
            data: Uint8Array.from(ints(g.batch * g.k * g.n, 0, 255, rnd)),
            scale: 0.03,
            zero_point: q.out_zp,
          };
          const out: QOutput = { scale: 2 ** (-4 * rnd() + 1), zero_point: q.out_zp, qmin: 0, qmax: 255 };
          expect_all_equal(at_threads(() => wasm.int8.qmatmul?.(a, b, g, out) ?? new Uint8Array()));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('qlinear and qlinear_acc (150 random cases, m 1–40, n 1–70, k 1–1500)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 70 }),
        fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1000, max: 1500 })),
        qcase,
        (m, n, k, q) => {
          const rnd = lcg(q.seed);
          const pw = wasm.int8.pack_qweight(weight(n, k, rnd, rnd() < 0.5, q.w_zp));
          const x = { data: Uint8Array.from(ints(m * k, 0, 255, rnd)), scale: 0.02, zero_point: q.x_zp };
          const out: QOutput = { scale: 2 ** (-4 * rnd()), zero_point: q.out_zp, qmin: 0, qmax: 255 };
          expect_all_equal(at_threads(() => wasm.int8.qlinear(x, m, pw, out)));
          expect_all_equal(at_threads(() => wasm.int8.qlinear_acc(x.data, q.x_zp, m, pw)));
        },
      ),
      { numRuns: 150 },
    );
  });
});
