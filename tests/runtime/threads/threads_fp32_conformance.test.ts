/**
 * Threaded wasm fp32 kernels equal their one-thread output bit for bit (runtime/threads): conv2d on shifted
 * planes, im2col (its pixel panels split too) + packed GEMM, depthwise and the PyTorch-x86 calibration conv, split by
 * image and by output channel, and sgemm (packed, few
 * rows, swapped Linear form) split by rows or columns, over random shapes whose sizes do and do not divide
 * by the thread count (2 and 3 threads). The hand-off threshold is 0 so tiny cases split too.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { make_wasm_conv2d } from '../../../runtime/backends/wasm/fp32_conv.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { set_num_threads, threads_ready } from '../../../runtime/threads/num_threads.js';
import { pool_of } from '../../../runtime/threads/pool.js';
import { min_parallel_work } from '../../../runtime/threads/splits.js';
import { conv_geometry_arb, first_diff, lcg, uniform_f32 } from '../backends/_arbitraries.js';
import { at_threads as threads_of } from './_at_threads.js';

const wasm = load_wasm_backend();
const fp32 = wasm.fp32;
const saved = { ...min_parallel_work };
afterAll(() => {
  Object.assign(min_parallel_work, saved);
  set_num_threads(1);
});

const convs = {
  shifted: make_wasm_conv2d(wasm.instance, 'shifted'),
  im2col: make_wasm_conv2d(wasm.instance, 'im2col'),
  auto: fp32.conv2d,
  // conv2d_relu: the ReLU inside each chunk
  relu_shifted: make_wasm_conv2d(wasm.instance, 'shifted', true),
  relu_im2col: make_wasm_conv2d(wasm.instance, 'im2col', true),
  // set_fp32_numerics('pytorch_x86')'s calibration conv, split by (image, output channel)
  pytorch_x86: fp32.conv2d_pytorch_x86 as NonNullable<typeof fp32.conv2d_pytorch_x86>,
};

const at_threads = (run: () => Float32Array) => threads_of(wasm.instance, run, (v) => v.slice());

const geometry = (depthwise: boolean) =>
  fc
    .tuple(
      conv_geometry_arb({
        groups: depthwise ? [2, 11] : [1, 2],
        cig: depthwise ? [[1, 1]] : [[1, 20]],
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
      // batch 1 in half the cases: one image splits inside (planes, im2col panels, channels), not by image
      fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 7 })),
    )
    .map(([g, batch]) => ({ ...g, batch }));

describe.each([2, 3])('threaded wasm fp32 kernels at %i threads equal one thread bit for bit', (t) => {
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

  for (const [name, depthwise] of [
    ['shifted', false],
    ['im2col', false],
    ['auto', true],
    ['relu_shifted', false],
    ['relu_im2col', false],
    ['pytorch_x86', false],
  ] as const) {
    it(`conv2d ${depthwise ? 'depthwise' : `'${name}'`} (60 random cases, batch 1–7)`, () => {
      fc.assert(
        fc.property(geometry(depthwise), fc.integer({ min: 1, max: 2 ** 30 }), fc.boolean(), (g, seed, with_bias) => {
          const rnd = lcg(seed);
          const k = (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
          const x = uniform_f32(g.batch * g.in_channels * g.in_h * g.in_w, rnd);
          const w = uniform_f32(g.out_channels * k, rnd);
          const bias = with_bias ? uniform_f32(g.out_channels, rnd) : null;
          const [a, b] = at_threads(() => convs[name](x, g, w, bias));
          expect(first_diff(a, b)).toBeNull();
        }),
        { numRuns: 60 },
      );
    });
  }

  it('sgemm (200 random cases: every transpose, bias, accumulate; m 1–40, n 1–70)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (m, n, k, seed, trans_a, trans_b, with_bias, accumulate) => {
          const rnd = lcg(seed);
          const a = uniform_f32(m * k, rnd);
          const b = uniform_f32(k * n, rnd);
          const c0 = uniform_f32(m * n, rnd);
          const bias = with_bias ? uniform_f32(n, rnd) : null;
          const [x, y] = at_threads(() => {
            const c = c0.slice();
            fp32.sgemm(m, n, k, a, b, c, { trans_a, trans_b, bias, accumulate });
            return c;
          });
          expect(first_diff(x, y)).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });
});
