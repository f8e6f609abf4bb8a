import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, cat, div, matmul, mul, split, sub, type Tensor, tensor } from '../../../index.js';

/** Property tests: fast kernels (coalesced broadcasting, strided copies, gemm) against naive index arithmetic. */

const dims = (max_rank: number) => fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: max_rank });

function filled(shape: number[], seed: number): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.round(Math.sin(i * 1.3 + seed) * 8) / 4 + 0.125;
  return tensor(d, { shape });
}

/** Multi-index of flat `i` in `shape`. */
function unravel(i: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}
function at(t: Tensor, idx: number[]): number {
  // reads t at the broadcast-aligned index (size-1 dims read 0)
  const sh = t.shape;
  const off = idx.length - sh.length;
  let flat = 0;
  for (let d = 0; d < sh.length; d++) flat = flat * sh[d] + (sh[d] === 1 ? 0 : idx[off + d]);
  return t.data[flat];
}

/** A shape pair that broadcasts: b takes a suffix of a with some dims set to 1. */
const broadcast_pair = dims(4).chain((a) =>
  fc
    .tuple(
      fc.constant(a),
      fc.integer({ min: 0, max: a.length }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    )
    .map(([sa, k, ones]) => {
      const b = sa.slice(sa.length - k).map((d, i) => (ones[i] ? 1 : d));
      return [sa, b] as [number[], number[]];
    }),
);

describe('properties', () => {
  it('broadcast add/sub/mul/div agree with index arithmetic, either operand order', () => {
    fc.assert(
      fc.property(broadcast_pair, fc.boolean(), ([sa, sb], swap) => {
        const a = filled(swap ? sb : sa, 1);
        const b = filled(swap ? sa : sb, 2);
        const ops: [(x: Tensor, y: Tensor) => Tensor, (x: number, y: number) => number][] = [
          [(x, y) => add(x, y, { alpha: 2 }), (x, y) => x + 2 * y],
          [(x, y) => sub(x, y), (x, y) => x - y],
          [mul, (x, y) => x * y],
          [div, (x, y) => x / y],
        ];
        for (const [op, ref] of ops) {
          const out = op(a, b);
          for (let i = 0; i < out.numel(); i++) {
            const idx = unravel(i, out.shape);
            expect(out.data[i]).toBe(Math.fround(ref(at(a, idx), at(b, idx))));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('gradients of broadcast operands are sums over the broadcast dims', () => {
    fc.assert(
      fc.property(broadcast_pair, ([sa, sb]) => {
        const a = filled(sa, 1);
        const b = filled(sb, 3).requires_grad_();
        const g = filled(a.shape.length >= b.shape.length ? sa : sb, 5);
        mul(a, b).backward(g);
        const want = new Float64Array(b.numel());
        for (let i = 0; i < g.numel(); i++) {
          const idx = unravel(i, g.shape);
          const off = idx.length - sb.length;
          let flat = 0;
          for (let d = 0; d < sb.length; d++) flat = flat * sb[d] + (sb[d] === 1 ? 0 : idx[off + d]);
          want[flat] += g.data[i] * at(a, idx);
        }
        const got = b.grad?.data ?? new Float32Array(0);
        want.forEach((v, i) => {
          expect(got[i]).toBeCloseTo(v, 4);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('sum over any dim subset equals the naive sum; permute is undone by its inverse', () => {
    fc.assert(
      fc.property(
        dims(4),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        (shape, pick, keepdim) => {
          const x = filled(shape, 7);
          const red = shape.map((_, i) => i).filter((i) => pick[i]);
          const s = x.sum(red.length ? red : null, keepdim);
          const keep = shape.map((d, i) => (red.length === 0 || red.includes(i) ? 1 : d));
          const want = new Float64Array(keep.reduce((p, d) => p * d, 1));
          for (let i = 0; i < x.numel(); i++) {
            const idx = unravel(i, shape);
            let flat = 0;
            for (let d = 0; d < shape.length; d++) flat = flat * keep[d] + (keep[d] === 1 ? 0 : idx[d]);
            want[flat] += x.data[i];
          }
          want.forEach((v, i) => {
            expect(s.data[i]).toBeCloseTo(v, 4);
          });
          if (shape.length > 1) {
            const perm = shape.map((_, i) => i).reverse();
            expect([...x.permute(perm).permute(perm).data]).toEqual([...x.data]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('split then cat is the identity along any dim', () => {
    fc.assert(
      fc.property(
        dims(3).filter((s) => s.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 3 }),
        (shape, dsel, size) => {
          const d = dsel % shape.length;
          const x = filled(shape, 4);
          expect([...cat(split(x, size, d), d).data]).toEqual([...x.data]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('batched matmul equals a naive triple loop', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom([], [2], [3, 1]),
        fc.constantFrom([], [1], [3, 2]),
        (m, k, n, ba, bb) => {
          const a = filled([...ba, m, k], 1);
          const b = filled([...bb, k, n], 2);
          const out = matmul(a, b);
          const bs = out.shape.slice(0, -2);
          for (let i = 0; i < out.numel(); i++) {
            const idx = unravel(i, out.shape);
            const [r, c] = idx.slice(-2);
            let s = 0;
            for (let p = 0; p < k; p++)
              s += at(a, [...idx.slice(0, bs.length), r, p]) * at(b, [...idx.slice(0, bs.length), p, c]);
            expect(out.data[i]).toBeCloseTo(s, 4);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
