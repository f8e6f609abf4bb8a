/**
 * guided_ranges (runtime/threads/split.ts): contiguous ranges covering [0, n) with inner boundaries on the tile,
 * never growing, the last ones single tiles, at most max_parts of them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guided_ranges } from '../../../runtime/threads/split.js';

describe('guided_ranges', () => {
  it('covers [0, n) in order, aligned, shrinking to single tiles, within max_parts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 2, max: 300 }),
        (n, threads, align, max_parts) => {
          const r = guided_ranges(n, threads, align, max_parts);
          expect(r[0][0]).toBe(0);
          expect(r[r.length - 1][1]).toBe(n);
          expect(r.length).toBeLessThanOrEqual(max_parts);
          for (let i = 0; i < r.length; i++) {
            expect(r[i][1]).toBeGreaterThan(r[i][0]);
            if (i > 0) expect(r[i][0]).toBe(r[i - 1][1]);
            if (i < r.length - 1) expect(r[i][1] % align).toBe(0);
            // sizes in tiles never grow, except the capped last range that takes the rest
            const tiles = (k: number) => Math.ceil((r[k][1] - r[k][0]) / align);
            if (i > 0 && !(i === max_parts - 1)) expect(tiles(i)).toBeLessThanOrEqual(tiles(i - 1));
          }
          if (r.length < max_parts) expect(r[r.length - 1][1] - r[r.length - 1][0]).toBeLessThanOrEqual(align);
        },
      ),
      { numRuns: 500 },
    );
    // 8 images on 2 threads: 2, 2, 1, 1, 1, 1
    expect(guided_ranges(8, 2).map(([a, b]) => b - a)).toEqual([2, 2, 1, 1, 1, 1]);
  });
});
