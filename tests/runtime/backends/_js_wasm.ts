/**
 * Shared by the int8 op conformance tests (elementwise, norm_act): the arbitraries of their random cases and the
 * js = wasm check of one op call.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { set_backend } from '../../../runtime/backends/registry.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { first_diff } from './_arbitraries.js';

/** Lengths that do (≤ 40) and do not fit a few SIMD vectors. */
export const arb_length = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 41, max: 700 }));
/** A seed for lcg. */
export const arb_seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
/** Scales 2^e for e in [−10, 2], often awkward (non-power-of-two) ones. */
export const arb_scale = fc.oneof(
  fc.double({ min: -10, max: 2, noNaN: true }).map((e) => 2 ** e),
  fc.double({ min: 1e-3, max: 2, noNaN: true }),
);

/** Runs `op` on the js and the wasm backend; both outputs must match in bytes, shape and qparams. */
export function same_on_both(op: () => Tensor, what: string): void {
  set_backend('js');
  const a = op();
  set_backend('wasm');
  const b = op();
  const diff = first_diff(a.data, b.data);
  if (diff) throw new Error(`${what}: ${diff}`);
  expect(b.shape).toEqual(a.shape);
  expect(b.q_scale()).toBe(a.q_scale());
  expect(b.q_zero_point()).toBe(a.q_zero_point());
}
