// compute_sqnr / compute_normalized_l2_error / compute_cosine_similarity against hand-computed values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantize_per_tensor, Tensor, tensor } from '../../../index.js';
import {
  compute_cosine_similarity,
  compute_normalized_l2_error,
  compute_sqnr,
  MetricAccumulator,
} from '../../../tools/numeric_suite/metrics.js';

const t = (v: number[]) => new Tensor(Float32Array.from(v), [v.length], 'float32');

describe('numeric suite metrics', () => {
  it('match the formulas on a small example', () => {
    const x = t([3, 4]);
    const y = t([3, 3]);
    // ‖x‖ = 5, ‖x − y‖ = 1
    expect(compute_sqnr(x, y)).toBeCloseTo(20 * Math.log10(5), 12);
    expect(compute_normalized_l2_error(x, y)).toBeCloseTo(0.2, 12);
    expect(compute_cosine_similarity(x, y)).toBeCloseTo(21 / (5 * Math.sqrt(18)), 12);
    expect(compute_sqnr(x, x)).toBe(Infinity);
    expect(compute_cosine_similarity(x, t([-3, -4]))).toBeCloseTo(-1, 12);
  });

  it('dequantize quantized inputs (the int8 error of a per-tensor quantization)', () => {
    const x = tensor([0.1, -0.5, 0.9, 0.33], { shape: [4] });
    const q = quantize_per_tensor(x, 0.1, 0, 'qint8');
    const deq = t([0.1, -0.5, 0.9, 0.3]);
    expect(compute_sqnr(x, q)).toBeCloseTo(compute_sqnr(x, deq), 5);
    expect(compute_sqnr(x, q)).toBeGreaterThan(20);
  });

  it('refuse shapes that differ, naming both', () => {
    expect(() => compute_sqnr(t([1, 2]), t([1, 2, 3]))).toThrow(/x \[2\] vs y \[3\]/);
  });

  it('accumulated over batches equal the metric over the concatenation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 2, maxLength: 40 }),
        fc.integer({ min: 1, max: 39 }),
        (v, cut) => {
          const x = v.map((a) => Math.fround(a));
          const y = x.map((a, i) => Math.fround(a + 0.01 * ((i % 3) - 1) + 0.001));
          const k = Math.min(cut, x.length - 1);
          const acc = new MetricAccumulator().add(t(x.slice(0, k)), t(y.slice(0, k))).add(t(x.slice(k)), t(y.slice(k)));
          const whole = compute_sqnr(t(x), t(y));
          if (Number.isFinite(whole)) expect(acc.sqnr()).toBeCloseTo(whole, 9);
          expect(acc.count).toBe(x.length);
        },
      ),
      { numRuns: 50 },
    );
  });
});
