/**
 * max_pool2d's 2×2/2 fast path (runtime/nn/functional/pooling.ts max_pool_2x2) against a naive
 * torch-semantics reference: values, argmax indices (first index on ties, NaN wins), odd sizes
 * (the last row/column dropped), gradients routed to the argmax, and quantized inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, Tensor } from '../../../index.js';

/** torch's CPU max_pool2d for a 2×2/2 window: index starts at the window's first element, `v > max || isnan(v)`. */
function reference(x: ArrayLike<number>, planes: number, h: number, w: number): { y: number[]; idx: number[] } {
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const y: number[] = [];
  const idx: number[] = [];
  for (let p = 0; p < planes; p++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let bi = 2 * oy * w + 2 * ox;
        let best = x[p * h * w + bi];
        for (const [dy, dx] of [
          [0, 1],
          [1, 0],
          [1, 1],
        ]) {
          const i = (2 * oy + dy) * w + 2 * ox + dx;
          const v = x[p * h * w + i];
          if (v > best || Number.isNaN(v)) {
            best = v;
            bi = i;
          }
        }
        y.push(best);
        idx.push(bi);
      }
    }
  }
  return { y, idx };
}

const special = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }) }, // small range: many ties
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY) },
);

describe('max_pool2d 2×2 stride 2', () => {
  it('matches the torch-semantics reference on values and indices (ties, NaN, ±inf, odd sizes)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 7 }),
        fc.integer({ min: 2, max: 7 }),
        fc.infiniteStream(special),
        (planes, h, w, values) => {
          const data = Float32Array.from({ length: planes * h * w }, () => values.next().value as number);
          const x = new Tensor(data, [1, planes, h, w], 'float32');
          const [y, idx] = F.max_pool2d(x, 2, { return_indices: true });
          const want = reference(data, planes, h, w);
          expect(y.shape).toEqual([1, planes, Math.floor(h / 2), Math.floor(w / 2)]);
          expect(Array.from(y.data)).toEqual(want.y);
          expect(Array.from(idx.data)).toEqual(want.idx);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('routes the gradient to each window maximum', () => {
    const x = new Tensor(Float32Array.of(1, 9, 2, 3, 4, 0, 8, 7, 5, 5, 6, 1), [1, 1, 3, 4], 'float32');
    x.requires_grad = true;
    const y = F.max_pool2d(x, 2);
    expect(Array.from(y.data)).toEqual([9, 8]);
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
  });

  it('keeps integer values and qparams on a quantized input', () => {
    const q = new Tensor(Uint8Array.of(3, 200, 7, 7, 0, 1, 9, 255), [1, 2, 2, 2], 'quint8');
    q.quantizer = { kind: 'per_tensor', scale: 0.5, zero_point: 3 };
    const y = F.max_pool2d(q, 2);
    expect(y.dtype).toBe('quint8');
    expect(Array.from(y.data)).toEqual([200, 255]);
    expect(y.quantizer).toEqual(q.quantizer);
  });
});
