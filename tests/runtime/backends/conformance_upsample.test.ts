/**
 * Conformance of the int8 2-d upsampling kernel (qupsample2d: torch's quantized upsample_nearest2d /
 * upsample_bilinear2d): wasm equals the js reference bit for bit on 1,000 random cases (odd sizes, up and down,
 * size or fractional scale_factor, align_corners both ways), through quantized.interpolate and F.interpolate;
 * the js reference checked against independent arithmetic (nearest ×k is a repeat, equal sizes copy, bilinear
 * within one step of dequantize → float interpolate → quantize).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { interpolate as F_interpolate } from '../../../runtime/nn/functional/interpolate.js';
import { interpolate, type QInterpolateOptions } from '../../../runtime/quantized/functional/upsample.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import '../../../runtime/all_ops.js';
import { first_diff, lcg } from './_arbitraries.js';

load_wasm_backend();
const previous = get_backend().name;
afterAll(() => set_backend(previous));

interface Case {
  n: number;
  c: number;
  ih: number;
  iw: number;
  opts: QInterpolateOptions;
  scale: number;
  zp: number;
  seed: number;
}

const dim = fc.integer({ min: 1, max: 13 });
const arb_opts: fc.Arbitrary<QInterpolateOptions> = fc.oneof(
  fc.record({
    mode: fc.constant<'nearest'>('nearest'),
    size: fc.tuple(fc.integer({ min: 1, max: 29 }), fc.integer({ min: 1, max: 29 })).map((t) => [...t]),
  }),
  fc.record({
    mode: fc.constant<'nearest'>('nearest'),
    scale_factor: fc.oneof(fc.constantFrom(2, 3, 0.5), fc.double({ min: 0.3, max: 3.7, noNaN: true })),
  }),
  fc.record({
    mode: fc.constant<'bilinear'>('bilinear'),
    align_corners: fc.boolean(),
    size: fc.tuple(fc.integer({ min: 1, max: 29 }), fc.integer({ min: 1, max: 29 })).map((t) => [...t]),
  }),
  fc.record({
    mode: fc.constant<'bilinear'>('bilinear'),
    align_corners: fc.boolean(),
    scale_factor: fc.oneof(
      fc.constantFrom(2, 1.5, 0.5),
      fc
        .tuple(fc.double({ min: 0.3, max: 3.7, noNaN: true }), fc.double({ min: 0.3, max: 3.7, noNaN: true }))
        .map((t) => [...t]),
    ),
  }),
);
const arb_case: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 3 }),
    ih: dim,
    iw: dim,
    opts: arb_opts,
    scale: fc.double({ min: 1e-3, max: 0.5, noNaN: true }),
    zp: fc.oneof(fc.constantFrom(0, 128, 255), fc.integer({ min: 0, max: 255 })),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .filter((c) => {
    const sf = c.opts.scale_factor;
    if (sf === undefined || sf === null) return true;
    const [a, b] = typeof sf === 'number' ? [sf, sf] : sf;
    return Math.floor(c.ih * a) >= 1 && Math.floor(c.iw * b) >= 1;
  });

function input(c: Case): Tensor {
  const rnd = lcg(c.seed);
  const d = Uint8Array.from({ length: c.n * c.c * c.ih * c.iw }, () => {
    const r = rnd();
    return r < 0.1 ? 0 : r < 0.2 ? 255 : Math.floor(rnd() * 256);
  });
  return make_qtensor(d, [c.n, c.c, c.ih, c.iw], 'quint8', c.scale, c.zp);
}

function on(be: 'js' | 'wasm', f: () => Tensor): Tensor {
  set_backend(be);
  return f();
}

describe('int8 upsampling: wasm equals js bit for bit', () => {
  it('qupsample2d through quantized.interpolate and F.interpolate (1,000 random cases)', () => {
    fc.assert(
      fc.property(arb_case, (c) => {
        const x = input(c);
        const a = on('js', () => interpolate(x, c.opts));
        const b = on('wasm', () => interpolate(x, c.opts));
        const diff = first_diff(a.data, b.data);
        if (diff) throw new Error(`${JSON.stringify(c)}: ${diff}`);
        expect(b.shape).toEqual(a.shape);
        expect(a.q_scale()).toBe(x.q_scale());
        expect(a.q_zero_point()).toBe(c.zp);
        const f = on('wasm', () => F_interpolate(x, c.opts));
        expect(first_diff(a.data, f.data)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the js reference against independent arithmetic', () => {
  it('nearest ×2 / ×3 repeats each pixel; equal sizes copy (any mode, any scale)', () => {
    set_backend('js');
    const x = input({ n: 1, c: 2, ih: 3, iw: 5, opts: {}, scale: 0.1, zp: 3, seed: 7 });
    for (const k of [2, 3]) {
      const y = interpolate(x, { scale_factor: k });
      for (let p = 0; p < 2; p++)
        for (let r = 0; r < 3 * k; r++)
          for (let col = 0; col < 5 * k; col++)
            expect(y.data[(p * 3 * k + r) * 5 * k + col]).toBe(
              x.data[(p * 3 + Math.floor(r / k)) * 5 + Math.floor(col / k)],
            );
    }
    // 3 · 1.2 floors to 3: ATen copies rather than resampling at scale 1/1.2
    const same = interpolate(x, { scale_factor: [1.2, 1.1], mode: 'bilinear', align_corners: false });
    expect([...same.data]).toEqual([...x.data]);
  });

  it('bilinear is within one step of dequantize → float interpolate → quantize', () => {
    fc.assert(
      fc.property(
        arb_case.filter((c) => c.opts.mode === 'bilinear'),
        (c) => {
          set_backend('js');
          const x = input(c);
          const y = interpolate(x, c.opts);
          // equal sizes copy (checked above), where the float path resamples at 1 / scale_factor
          if (y.shape[2] === c.ih && y.shape[3] === c.iw) return;
          const fy = F_interpolate(x.dequantize(), c.opts);
          for (let i = 0; i < y.data.length; i++) {
            const want = Math.min(255, Math.max(0, Math.round(fy.data[i] / x.q_scale()) + c.zp));
            expect(Math.abs(y.data[i] - want)).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
