import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../index.js';
import { F, Generator, gradcheck, no_grad, randn, tensor } from '../../../index.js';

function rnd(shape: number[], seed: number, requires_grad = false): Tensor {
  const t = randn(shape, { generator: new Generator(seed) });
  t.requires_grad = requires_grad;
  return t;
}

/** Direct-definition convolution, independent of im2col and the backend. */
function naive_conv(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  s: number[],
  p: number[],
  d: number[],
  groups: number,
): number[] {
  const [n, cin, h, wd] = x.shape;
  const [oc, cg, kh, kw] = w.shape;
  const oh = Math.floor((h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const ow = Math.floor((wd + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  const out: number[] = [];
  const og = oc / groups;
  for (let b0 = 0; b0 < n; b0++)
    for (let o = 0; o < oc; o++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let acc = b ? b.data[o] : 0;
          const g = Math.floor(o / og);
          for (let c = 0; c < cg; c++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const iy = y * s[0] + i * d[0] - p[0];
                const ix = z * s[1] + j * d[1] - p[1];
                if (iy < 0 || ix < 0 || iy >= h || ix >= wd) continue;
                acc += x.data[((b0 * cin + g * cg + c) * h + iy) * wd + ix] * w.data[((o * cg + c) * kh + i) * kw + j];
              }
          out.push(acc);
        }
  return out;
}

describe('F.linear', () => {
  it('computes x Wᵀ + b over the last dim of a 3-d input', () => {
    const x = tensor([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
    const w = tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const b = tensor([0.5, -0.5, 0]);
    const y = F.linear(x, w, b);
    expect(y.shape).toEqual([2, 2, 3]);
    expect([...y.data]).toEqual([1.5, 1.5, 3, 3.5, 3.5, 7, 5.5, 5.5, 11, 7.5, 7.5, 15]);
  });

  it('passes gradcheck for input, weight and bias', () => {
    const x = rnd([3, 5], 1, true);
    const w = rnd([4, 5], 2, true);
    const b = rnd([4], 3, true);
    expect(gradcheck((a, ww, bb) => F.linear(a, ww, bb), [x, w, b])).toBe(true);
    expect(gradcheck((a, ww) => F.linear(a, ww), [x, w])).toBe(true);
  });

  it('names the shapes when in_features do not match', () => {
    expect(() => F.linear(rnd([2, 3], 1), rnd([4, 5], 2))).toThrow(
      /F.linear: expected input \[\.\.\., 5\] for weight \[4, 5\], got \[2, 3\]/,
    );
  });
});

describe('F.conv2d', () => {
  it('equals a direct-definition convolution for random geometries (groups, stride, padding, dilation)', () => {
    fc.assert(
      fc.property(
        fc
          .record({
            groups: fc.integer({ min: 1, max: 3 }),
            cg: fc.integer({ min: 1, max: 2 }),
            og: fc.integer({ min: 1, max: 2 }),
            h: fc.integer({ min: 3, max: 8 }),
            w: fc.integer({ min: 3, max: 8 }),
            k: fc.integer({ min: 1, max: 3 }),
            s: fc.integer({ min: 1, max: 2 }),
            p: fc.integer({ min: 0, max: 1 }),
            d: fc.integer({ min: 1, max: 2 }),
            bias: fc.boolean(),
            seed: fc.integer({ min: 0, max: 1000 }),
          })
          .filter((r) => r.h + 2 * r.p >= r.d * (r.k - 1) + 1 && r.w + 2 * r.p >= r.d * (r.k - 1) + 1),
        (r) => {
          const x = rnd([2, r.cg * r.groups, r.h, r.w], r.seed);
          const wt = rnd([r.og * r.groups, r.cg, r.k, r.k], r.seed + 1);
          const b = r.bias ? rnd([r.og * r.groups], r.seed + 2) : null;
          const y = F.conv2d(x, wt, b, { stride: r.s, padding: r.p, dilation: r.d, groups: r.groups });
          const want = naive_conv(x, wt, b, [r.s, r.s], [r.p, r.p], [r.d, r.d], r.groups);
          expect(y.numel()).toBe(want.length);
          for (let i = 0; i < want.length; i++) expect(Math.abs(y.data[i] - want[i])).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 60 },
    );
  });

  for (const [name, opts, cin, cout] of [
    ['plain 3x3 pad 1', { padding: 1 }, 2, 3],
    ['groups 2, stride 2', { groups: 2, stride: 2, padding: 1 }, 4, 2],
    ['depthwise, dilation 2', { groups: 3, dilation: 2, padding: 2 }, 3, 6],
    ['asymmetric stride/padding', { stride: [2, 1], padding: [0, 1] }, 2, 2],
  ] as [string, object, number, number][]) {
    it(`passes gradcheck: ${name}`, () => {
      const g = (opts as { groups?: number }).groups ?? 1;
      const x = rnd([2, cin, 5, 5], 11, true);
      const w = rnd([cout, cin / g, 3, 3], 12, true);
      const b = rnd([cout], 13, true);
      expect(gradcheck((a, ww, bb) => F.conv2d(a, ww, bb, opts), [x, w, b])).toBe(true);
    });
  }

  it("padding='same' keeps the spatial size, also for an even kernel (extra pad at the end, as torch)", () => {
    const x = rnd([1, 2, 5, 6], 21, true);
    const w = rnd([3, 2, 2, 4], 22, true);
    const y = F.conv2d(x, w, null, { padding: 'same' });
    expect(y.shape).toEqual([1, 3, 5, 6]);
    // torch pads (total//2) before and the rest after: here 0 top, 1 bottom, 1 left, 2 right
    const xp = F.pad(x, [1, 2, 0, 1]);
    const ref = F.conv2d(xp, w);
    for (let i = 0; i < ref.numel(); i++) expect(y.data[i]).toBeCloseTo(ref.data[i], 5);
    expect(gradcheck((a, ww) => F.conv2d(a, ww, null, { padding: 'same' }), [x, w])).toBe(true);
  });

  it('does not record a tape under no_grad', () => {
    const y = no_grad(() => F.conv2d(rnd([1, 1, 3, 3], 1, true), rnd([1, 1, 3, 3], 2, true)));
    expect(y.requires_grad).toBe(false);
    expect(y.grad_fn).toBeNull();
  });

  it('errors name the op and the shapes', () => {
    expect(() => F.conv2d(rnd([8, 16, 14, 14], 1), rnd([64, 32, 3, 3], 2))).toThrow(
      'F.conv2d: expected input [N, 32, H, W] for weight [64, 32, 3, 3] with groups=1, got [8, 16, 14, 14]',
    );
    expect(() => F.conv2d(rnd([1, 1, 2, 2], 1), rnd([1, 1, 3, 3], 2))).toThrow(/smaller than the dilated kernel/);
    expect(() => F.conv2d(rnd([1, 1, 4, 4], 1), rnd([1, 1, 3, 3], 2), null, { stride: 2, padding: 'same' })).toThrow(
      /'same' is not supported for strided/,
    );
  });
});
