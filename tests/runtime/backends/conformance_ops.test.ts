/**
 * Conformance at the op level: every int8 functional op ('quantized.*') gives the same bytes and qparams
 * with the 'js' and the 'wasm' backend selected, over 1,000 random cases each. Ops with a wasm kernel
 * (add, pools) exercise it here; the others run the same TypeScript on both backends, and this test is
 * what guarantees that stays true if one of them gets its own kernel.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import * as q from '../../../runtime/quantized/functional/index.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { first_diff, lcg, zp_u8 } from './_arbitraries.js';

load_wasm_backend();
const initial = get_backend().name;
afterAll(() => set_backend(initial));
const RUNS = 1000;

/** Runs `op` under both backends and checks the results are identical tensors. */
function same_on_both(op: () => Tensor): void {
  set_backend('js');
  const a = op();
  set_backend('wasm');
  const b = op();
  set_backend('js');
  expect(b.shape).toEqual(a.shape);
  expect(b.q_scale()).toBe(a.q_scale());
  expect(b.q_zero_point()).toBe(a.q_zero_point());
  expect(first_diff(a.data, b.data)).toBeNull();
}

/** A random quint8 tensor of `shape`, bytes biased towards 0 and 255 so clamps happen. */
function qrand(shape: number[], scale: number, zero_point: number, seed: number): Tensor {
  const rnd = lcg(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  const data = Uint8Array.from({ length: n }, () => {
    const r = rnd();
    return r < 0.1 ? 0 : r < 0.2 ? 255 : Math.floor(rnd() * 256);
  });
  return make_qtensor(data, shape, 'quint8', scale, zero_point);
}

const scale = fc.oneof(fc.constantFrom(1 / 256, 0.5, 1, 2 ** -7), fc.double({ min: 1e-3, max: 2, noNaN: true }));
const nchw = fc.tuple(
  fc.integer({ min: 1, max: 2 }),
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 1, max: 9 }),
);
const seed = fc.integer({ min: 1, max: 2 ** 30 });

describe('int8 ops: js and wasm backends agree bit for bit', () => {
  it('add, add_relu, mul, mul_relu (same shape and broadcast)', () => {
    fc.assert(
      fc.property(
        nchw,
        fc.boolean(),
        scale,
        zp_u8,
        scale,
        zp_u8,
        scale,
        zp_u8,
        seed,
        (s, bcast, sa, za, sb, zb, so, zo, sd) => {
          const a = qrand(s, sa, za, sd);
          const b = qrand(bcast ? [1, s[1], 1, 1] : s, sb, zb, sd + 1);
          same_on_both(() => q.add(a, b, so, zo));
          same_on_both(() => q.add_relu(a, b, so, zo));
          same_on_both(() => q.mul(a, b, so, zo));
          same_on_both(() => q.mul_relu(a, b, so, zo));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('cat (inputs requantized to the output qparams)', () => {
    fc.assert(
      fc.property(
        nchw,
        fc.integer({ min: 0, max: 3 }),
        scale,
        zp_u8,
        scale,
        zp_u8,
        seed,
        (s, dim, sa, za, so, zo, sd) => {
          const a = qrand(s, sa, za, sd);
          const b = qrand(s, so, zo, sd + 1);
          same_on_both(() => q.cat([a, b], dim, so, zo));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('relu, relu6, hardswish, sigmoid, tanh, flatten', () => {
    fc.assert(
      fc.property(nchw, scale, zp_u8, scale, zp_u8, seed, (s, sx, zx, so, zo, sd) => {
        const x = qrand(s, sx, zx, sd);
        same_on_both(() => q.relu(x));
        same_on_both(() => q.relu6(x));
        same_on_both(() => q.hardswish(x, so, zo));
        same_on_both(() => q.sigmoid(x));
        same_on_both(() => q.tanh(x));
        same_on_both(() => q.flatten(x, 1));
      }),
      { numRuns: RUNS },
    );
  });

  it('max_pool2d, avg_pool2d, adaptive_avg_pool2d', () => {
    fc.assert(
      fc.property(
        nchw,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1 }),
        fc.boolean(),
        scale,
        zp_u8,
        seed,
        (s, k, stride, pad, ceil_mode, sx, zx, sd) => {
          const kernel = Math.min(k, s[2], s[3]);
          const padding = Math.min(pad, Math.floor(kernel / 2));
          const x = qrand(s, sx, zx, sd);
          same_on_both(() => q.max_pool2d(x, kernel, { stride, padding, ceil_mode }));
          same_on_both(() => q.avg_pool2d(x, kernel, { stride, padding, ceil_mode }));
          same_on_both(() => q.adaptive_avg_pool2d(x, [1 + (sd % s[2]), 1 + (sd % s[3])]));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
