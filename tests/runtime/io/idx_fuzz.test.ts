import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse_idx, serialize_idx } from '../../../runtime/io/index.js';
import { tensor } from '../../../runtime/tensor/index.js';

const raw = [
  serialize_idx(tensor([0, 255, 7, 1, 2, 3], { dtype: 'uint8', shape: [2, 3] })),
  serialize_idx(tensor([1.5, -0.25, 3e38], { dtype: 'float32' })),
  serialize_idx(tensor([[-(2 ** 31), 7]], { dtype: 'int32' })),
];
const files = [...raw, ...raw.map((r) => new Uint8Array(gzipSync(r)))];

describe('IDX mutation fuzz (bounded)', () => {
  it('truncated, extended and bit-flipped files (raw and gzip) give a plain Error naming the file, or a tensor', () => {
    const outcomes = { error: 0, parsed: 0 };
    fc.assert(
      fc.property(
        fc.nat({ max: files.length - 1 }),
        fc.oneof(
          fc.record({ cut: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }),
          fc.record({ add: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
          fc.record({
            at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
            bit: fc.integer({ min: 0, max: 7 }),
          }),
        ),
        (f, m) => {
          let b = files[f].slice();
          if ('cut' in m) b = b.subarray(0, Math.floor(m.cut * b.length));
          else if ('add' in m) b = new Uint8Array([...b, ...m.add]);
          else b[Math.floor(m.at * b.length)] ^= 1 << m.bit;
          try {
            const t = parse_idx(b, 'fuzz.idx');
            expect(t.data.byteLength).toBeLessThanOrEqual(64);
            outcomes.parsed++;
          } catch (e) {
            expect((e as Error).constructor).toBe(Error);
            expect((e as Error).message).toMatch(/^IDX fuzz\.idx: /);
            outcomes.error++;
          }
        },
      ),
      { numRuns: 2000, seed: 14 },
    );
    expect(outcomes.error).toBeGreaterThan(500);
    expect(outcomes.parsed).toBeGreaterThan(10);
  });
});
