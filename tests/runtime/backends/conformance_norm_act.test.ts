/**
 * Conformance of the int8 ops of issue #16 part 2 (ELU, LeakyReLU tables): the wasm backend equals the js
 * reference bit for bit, 1,000 random cases each, on lengths that do and do not fill the SIMD vectors.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import * as qf from '../../../runtime/quantized/functional/index.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { first_diff, lcg, zp_u8 } from './_arbitraries.js';

load_wasm_backend();
const RUNS = 1000;
const previous = get_backend().name;
afterAll(() => set_backend(previous));

const length = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 41, max: 700 }));
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const scale = fc.oneof(
  fc.double({ min: -10, max: 2, noNaN: true }).map((e) => 2 ** e),
  fc.double({ min: 1e-3, max: 2, noNaN: true }),
);
const qx = (n: number, s: number, sc: number, zp: number): Tensor => {
  const rnd = lcg(s);
  return make_qtensor(
    Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256)),
    [n],
    'quint8',
    sc,
    zp,
  );
};

/** Runs `op` on js and on wasm: bytes, shape and qparams must match. */
function same_on_both(op: () => Tensor, what: string): void {
  set_backend('js');
  const a = op();
  set_backend('wasm');
  const b = op();
  const diff = first_diff(a.data, b.data);
  if (diff) throw new Error(`${what}: ${diff}`);
  expect(b.shape).toEqual(a.shape);
  expect([b.q_scale(), b.q_zero_point()]).toEqual([a.q_scale(), a.q_zero_point()]);
}

describe('int8 ELU / LeakyReLU: wasm equals js bit for bit', () => {
  it(`elu, leaky_relu tables (${RUNS} random tensors, qparams, alpha and slopes)`, () => {
    fc.assert(
      fc.property(
        length,
        seed,
        fc.tuple(scale, zp_u8, scale, zp_u8),
        fc.double({ min: -2, max: 3, noNaN: true }),
        (n, s, [sc, zp, out_sc, out_zp], k) => {
          const x = qx(n, s, sc, zp);
          same_on_both(() => qf.elu(x, k, out_sc, out_zp), 'elu');
          same_on_both(() => qf.leaky_relu(x, k, out_sc, out_zp), 'leaky_relu');
        },
      ),
      { numRuns: RUNS },
    );
  });
});
