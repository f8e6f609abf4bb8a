/**
 * Conformance of the optional int8 kernels (qadd, qmax_pool2d, qavg_pool2d): the wasm SIMD kernels equal
 * the js reference bit for bit on random sizes (vector bodies and scalar tails), geometries (strides,
 * paddings, dilations, ceil-mode output sizes) and parameters, including raw parameters at the edges of
 * qnnpack's ranges; plus direct checks of the js reference against independent arithmetic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { js_backend } from '../../../runtime/backends/js/index.js';
import { qnnpack_add_params, qnnpack_avg_params } from '../../../runtime/backends/js/int8/pool_add.js';
import type { Pool2dGeometry, QAddParams } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { pool_out_size } from '../../../runtime/quantized/functional/pooling.js';
import { first_diff, lcg, zp_u8 } from './_arbitraries.js';

const wasm = load_wasm_backend().int8;
const js = js_backend.int8;
const RUNS = 1000;

/** Random bytes, biased towards 0 and 255 so clamps and max ties happen. */
function bytes(n: number, rnd: () => number): Uint8Array {
  return Uint8Array.from({ length: n }, () => {
    const r = rnd();
    return r < 0.1 ? 0 : r < 0.2 ? 255 : Math.floor(rnd() * 256);
  });
}

const length = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 41, max: 600 }));

const pool = fc
  .record({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    planes: fc.integer({ min: 1, max: 3 }),
    ih: fc.integer({ min: 1, max: 24 }),
    iw: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 20, max: 70 })),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.oneof(fc.constantFrom(1, 2), fc.integer({ min: 1, max: 4 })),
    dh: fc.integer({ min: 1, max: 2 }),
    dw: fc.integer({ min: 1, max: 2 }),
    pad_h: fc.double({ min: 0, max: 1, noNaN: true }),
    pad_w: fc.double({ min: 0, max: 1, noNaN: true }),
    ceil: fc.boolean(),
  })
  .map((r) => {
    const ph = Math.floor(r.pad_h * (Math.floor(r.kh / 2) + 1)) % (Math.floor(r.kh / 2) + 1);
    const pw = Math.floor(r.pad_w * (Math.floor(r.kw / 2) + 1)) % (Math.floor(r.kw / 2) + 1);
    return { ...r, ph, pw };
  });
type Pool = typeof pool extends fc.Arbitrary<infer T> ? T : never;

function geometry(r: Pool, dilated: boolean): Pool2dGeometry | null {
  const dh = dilated ? r.dh : 1;
  const dw = dilated ? r.dw : 1;
  const oh = pool_out_size(r.ih, r.kh, r.ph, r.sh, dh, r.ceil);
  const ow = pool_out_size(r.iw, r.kw, r.pw, r.sw, dw, r.ceil);
  if (oh < 1 || ow < 1) return null;
  return {
    planes: r.planes,
    in_h: r.ih,
    in_w: r.iw,
    out_h: oh,
    out_w: ow,
    kernel_h: r.kh,
    kernel_w: r.kw,
    stride: [r.sh, r.sw],
    padding: [r.ph, r.pw],
    dilation: [dh, dw],
  };
}

describe('int8 pool/add kernels: wasm equals js bit for bit', () => {
  it(`qadd with qnnpack's parameters (${RUNS} random cases, add and add_relu)`, () => {
    let ran = 0;
    fc.assert(
      fc.property(
        length,
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.tuple(fc.double({ min: -10, max: 2, noNaN: true }), fc.double({ min: -10, max: 2, noNaN: true })),
        fc.double({ min: -6, max: 2, noNaN: true }),
        fc.tuple(zp_u8, zp_u8, zp_u8),
        fc.boolean(),
        (n, seed, [ea, eb], eo, [za, zb, zo], relu) => {
          const rnd = lcg(seed);
          const p = qnnpack_add_params(2 ** ea, za, 2 ** eb, zb, 2 ** (ea + eo), zo, relu);
          if (!p) return;
          ran++;
          const a = bytes(n, rnd);
          const b = bytes(n, rnd);
          const want = js.qadd!(a, b, p);
          const diff = first_diff(want, wasm.qadd!(a, b, p));
          if (diff) throw new Error(`n ${n}, params ${JSON.stringify(p)}: ${diff}`);
        },
      ),
      { numRuns: RUNS },
    );
    expect(ran).toBeGreaterThan(RUNS / 2);
  });

  it(`qadd with raw parameters at the range edges (${RUNS} cases: int32 wrap, shifts 0..31, narrow clamps)`, () => {
    fc.assert(
      fc.property(
        length,
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.record({
          a_mult: fc.oneof(fc.constantFrom(0, 2 ** 22), fc.integer({ min: 0, max: 2 ** 22 })),
          b_mult: fc.oneof(fc.constantFrom(0, 2 ** 22), fc.integer({ min: 0, max: 2 ** 22 })),
          zp_product: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          shift: fc.integer({ min: 0, max: 31 }),
          zero_point: zp_u8,
          lohi: fc.tuple(zp_u8, zp_u8),
        }),
        (n, seed, r) => {
          const rnd = lcg(seed);
          const [qmin, qmax] = r.lohi[0] <= r.lohi[1] ? r.lohi : [r.lohi[1], r.lohi[0]];
          const p: QAddParams = { ...r, qmin, qmax };
          const a = bytes(n, rnd);
          const b = bytes(n, rnd);
          const diff = first_diff(js.qadd!(a, b, p), wasm.qadd!(a, b, p));
          if (diff) throw new Error(`n ${n}, params ${JSON.stringify(p)}: ${diff}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`qmax_pool2d (${RUNS} random geometries incl. padding, dilation, ceil-mode sizes)`, () => {
    fc.assert(
      fc.property(pool, (r) => {
        const g = geometry(r, true);
        if (!g) return;
        const x = bytes(g.planes * g.in_h * g.in_w, lcg(r.seed));
        const diff = first_diff(js.qmax_pool2d!(x, g), wasm.qmax_pool2d!(x, g));
        if (diff) throw new Error(`geometry ${JSON.stringify(g)}: ${diff}`);
      }),
      { numRuns: RUNS },
    );
  });

  it(`qavg_pool2d (${RUNS} random geometries and qparams, incl. raw mult/shift up to 63)`, () => {
    fc.assert(
      fc.property(
        pool,
        zp_u8,
        zp_u8,
        fc.oneof(
          fc.constant(null),
          fc.record({ mult: fc.integer({ min: 0, max: 2 ** 24 - 1 }), shift: fc.integer({ min: 16, max: 63 }) }),
        ),
        (r, xzp, ozp, raw) => {
          const g = geometry(r, false);
          if (!g) return;
          const size = g.kernel_h * g.kernel_w;
          const p = raw
            ? { x_zero_point: xzp, out_zero_point: ozp, ...raw }
            : qnnpack_avg_params(Math.fround(1 / size), xzp, ozp);
          const x = bytes(g.planes * g.in_h * g.in_w, lcg(r.seed));
          const diff = first_diff(js.qavg_pool2d!(x, g, p), wasm.qavg_pool2d!(x, g, p));
          if (diff) throw new Error(`geometry ${JSON.stringify(g)}, params ${JSON.stringify(p)}: ${diff}`);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('int8 pool/add reference semantics', () => {
  it('qadd at equal scales is the exact sum re-centred, halves away from zero', () => {
    // a_os = b_os = 1 → shift 21, mults 2^21: y = a + b − za − zb + zo exactly
    const p = qnnpack_add_params(0.1, 3, 0.1, 5, 0.1, 7, false)!;
    const a = Uint8Array.from([0, 10, 200, 255]);
    const b = Uint8Array.from([0, 20, 100, 255]);
    for (const k of [js, wasm]) expect([...k.qadd!(a, b, p)]).toEqual([0, 29, 255, 255]);
    // a_os = 0.5: (1·0.5) = 0.5 rounds away from zero to 1, (−1·0.5) to −1
    const h = qnnpack_add_params(0.05, 0, 0.1, 0, 0.1, 10, false)!;
    for (const k of [js, wasm])
      expect([...k.qadd!(Uint8Array.from([1, 3]), Uint8Array.from([0, 0]), h)]).toEqual([11, 12]);
  });

  it('a scale ratio just below 1 rounds its multiplier up to 2^22 (accepted; both backends agree)', () => {
    const p = qnnpack_add_params(1, 0, 1, 0, 2 ** 8.6e-8, 0, false)!;
    expect(p.a_mult).toBe(2 ** 22);
    const a = Uint8Array.from({ length: 41 }, (_, i) => i * 6);
    const b = a.slice().reverse();
    const want = Array.from(a, (v, i) => Math.min(255, v + b[i]));
    expect([...js.qadd!(a, b, p)]).toEqual(want);
    expect([...wasm.qadd!(a, b, p)]).toEqual(want);
  });

  it('max pool skips padding and avg pool counts padding as the zero point', () => {
    const g: Pool2dGeometry = {
      planes: 1,
      in_h: 2,
      in_w: 2,
      out_h: 2,
      out_w: 2,
      kernel_h: 2,
      kernel_w: 2,
      stride: [1, 1],
      padding: [1, 1],
      dilation: [1, 1],
    };
    const x = Uint8Array.from([4, 8, 12, 16]);
    for (const k of [js, wasm]) expect([...k.qmax_pool2d!(x, g)]).toEqual([4, 8, 12, 16]);
    // zero point 4: windows sum (x − 4) / 4 → [0, 1, 2, 6], halves away from zero (0.5 → 1, 1.5 → 2)
    const p = qnnpack_avg_params(Math.fround(1 / 4), 4, 4);
    for (const k of [js, wasm]) expect([...k.qavg_pool2d!(x, g, p)]).toEqual([4, 5, 6, 10]);
  });

  it('bad input names the kernel and what is wrong', () => {
    const g: Pool2dGeometry = {
      planes: 1,
      in_h: 3,
      in_w: 3,
      out_h: 1,
      out_w: 1,
      kernel_h: 3,
      kernel_w: 3,
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 1],
    };
    expect(() => wasm.qmax_pool2d!(new Uint8Array(8), g)).toThrow(/wasm\.qmax_pool2d: x has 8 elements/);
    expect(() => js.qadd!(new Uint8Array(3), new Uint8Array(4), qnnpack_add_params(1, 0, 1, 0, 1, 0, false)!)).toThrow(
      /js\.qadd: inputs have 3 and 4 elements/,
    );
    const p = qnnpack_avg_params(Math.fround(1 / 9), 0, 0);
    expect(() => wasm.qavg_pool2d!(new Uint8Array(9), { ...g, dilation: [2, 1] }, p)).toThrow(/no dilation/);
  });
});
