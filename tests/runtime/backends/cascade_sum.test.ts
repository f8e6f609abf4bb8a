import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { torch_sum_f32 } from '../../../runtime/backends/js/fp32/cascade_sum.js';

describe('torch_sum_f32 (ATen cascade_sum order)', () => {
  it('sums 8 lanes separately, so it differs from both a sequential and an exactly rounded sum', () => {
    const x = new Float32Array(16);
    x[0] = 2 ** 24; // lane 0: 2^24 + x[8] rounds the 1 away
    x[8] = 1;
    x[1] = 1; // lane 1: 1 + 1 = 2 survives
    x[9] = 1;
    let sequential = 0;
    for (const v of x) sequential = Math.fround(sequential + v);
    expect(sequential).toBe(2 ** 24);
    expect(Math.fround(2 ** 24 + 3)).toBe(2 ** 24 + 4);
    expect(torch_sum_f32(x)).toBe(2 ** 24 + 2);
  });

  it('adds the scalar tail before the lanes', () => {
    const x = new Float32Array(9);
    x[0] = 2 ** 24;
    x[1] = 1;
    x[8] = 1; // tail: 0 + 1, then + lane 0 (2^24) → 2^24 (tie to even), then + lane 1 → 2^24
    expect(torch_sum_f32(x)).toBe(2 ** 24);
    x[8] = 3; // 3 + 2^24 → 2^24 + 4 (tie to even), + 1 → 2^24 + 4
    expect(torch_sum_f32(x)).toBe(2 ** 24 + 4);
  });

  it('is exact on small integers and within the float32 error bound otherwise', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 3000 }), (ints) => {
        expect(torch_sum_f32(Float32Array.from(ints))).toBe(ints.reduce((a, b) => a + b, 0));
      }),
      { numRuns: 200, seed: 1 },
    );
    fc.assert(
      fc.property(fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true }), { maxLength: 3000 }), (vals) => {
        const x = Float32Array.from(vals);
        let exact = 0;
        let abs = 0;
        for (const v of x) {
          exact += v;
          abs += Math.abs(v);
        }
        expect(Math.abs(torch_sum_f32(x) - exact)).toBeLessThanOrEqual(x.length * 2 ** -24 * abs + 1e-30);
      }),
      { numRuns: 200, seed: 2 },
    );
  });
});
