/**
 * Conformance of the int8 elementwise kernels (qclamp, qlut, qmul, qcat): the wasm SIMD kernels equal the js
 * reference bit for bit on random lengths (vector bodies and scalar tails) and parameters, raw and as the quantized
 * ops build them (relu, relu6, hardtanh, hardswish, hardsigmoid, sigmoid, tanh, mul, mul_relu, cat with
 * requantized inputs), 1,000 cases each; plus checks of the js reference against independent arithmetic.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { js_backend } from '../../../runtime/backends/js/index.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import type { QCatPart, QMulParams } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { inv_scale_of, quantize_val } from '../../../runtime/quant/qparams.js';
import { quantize_per_tensor } from '../../../runtime/quant/qtensor.js';
import * as qf from '../../../runtime/quantized/functional/index.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { first_diff, lcg, zp_u8 } from './_arbitraries.js';
import { arb_length as length, same_on_both, arb_scale as scale, arb_seed as seed } from './_js_wasm.js';

const wasm = load_wasm_backend().int8;
const js = js_backend.int8;
const RUNS = 1000;
const previous = get_backend().name;
afterAll(() => set_backend(previous));

/** Random bytes, biased towards 0 and 255. */
function bytes(n: number, rnd: () => number): Uint8Array {
  return Uint8Array.from({ length: n }, () => {
    const r = rnd();
    return r < 0.1 ? 0 : r < 0.2 ? 255 : Math.floor(rnd() * 256);
  });
}

describe('int8 elementwise kernels: wasm equals js bit for bit', () => {
  it(`qclamp (${RUNS} random lengths and bounds; js equals min/max)`, () => {
    fc.assert(
      fc.property(length, seed, fc.tuple(zp_u8, zp_u8), (n, s, [l, h]) => {
        const [lo, hi] = l <= h ? [l, h] : [h, l];
        const x = bytes(n, lcg(s));
        const want = js.qclamp(x, lo, hi);
        const diff = first_diff(want, wasm.qclamp(x, lo, hi));
        if (diff) throw new Error(`n ${n}, [${lo}, ${hi}]: ${diff}`);
        for (let i = 0; i < n; i++)
          if (want[i] !== Math.min(Math.max(x[i], lo), hi)) throw new Error(`js.qclamp: index ${i} is ${want[i]}`);
      }),
      { numRuns: RUNS },
    );
  });

  it(`qlut (${RUNS} random tables and lengths; js equals the table)`, () => {
    fc.assert(
      fc.property(length, seed, (n, s) => {
        const rnd = lcg(s);
        const lut = bytes(256, rnd);
        const x = bytes(n, rnd);
        const want = js.qlut(x, lut);
        const diff = first_diff(want, wasm.qlut(x, lut));
        if (diff) throw new Error(`n ${n}: ${diff}`);
        for (let i = 0; i < n; i++) if (want[i] !== lut[x[i]]) throw new Error(`js.qlut: index ${i} is ${want[i]}`);
      }),
      { numRuns: RUNS },
    );
  });

  it(`qmul with raw parameters (${RUNS} cases: large and tiny multipliers, narrow clamps)`, () => {
    fc.assert(
      fc.property(
        length,
        seed,
        fc.record({
          a_zero_point: zp_u8,
          b_zero_point: zp_u8,
          mult: fc.oneof(
            fc.double({ min: -20, max: 20, noNaN: true }).map((e) => Math.fround(2 ** e)),
            fc.constant(0.5),
          ),
          zero_point: zp_u8,
          lohi: fc.tuple(zp_u8, zp_u8),
        }),
        (n, s, r) => {
          const rnd = lcg(s);
          const [qmin, qmax] = r.lohi[0] <= r.lohi[1] ? r.lohi : [r.lohi[1], r.lohi[0]];
          const p: QMulParams = { ...r, qmin, qmax };
          const a = bytes(n, rnd);
          const b = bytes(n, rnd);
          const diff = first_diff(js.qmul(a, b, p), wasm.qmul(a, b, p));
          if (diff) throw new Error(`n ${n}, params ${JSON.stringify(p)}: ${diff}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`qcat (${RUNS} cases: 1–4 parts, with and without tables)`, () => {
    fc.assert(
      fc.property(
        seed,
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 90 }), fc.boolean()), { minLength: 1, maxLength: 4 }),
        (s, outer, specs) => {
          const rnd = lcg(s);
          const parts: QCatPart[] = specs.map(([len, with_lut]) => ({
            data: bytes(outer * len, rnd),
            len,
            lut: with_lut ? bytes(256, rnd) : null,
          }));
          const want = js.qcat(parts, outer);
          const diff = first_diff(want, wasm.qcat(parts, outer));
          if (diff) throw new Error(`outer ${outer}, lens ${specs.map((x) => x[0])}: ${diff}`);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('quantized elementwise ops: the same bytes on the js and wasm backends', () => {
  const qx = (n: number, s: number, sc: number, zp: number) => make_qtensor(bytes(n, lcg(s)), [n], 'quint8', sc, zp);

  it(`relu, relu6, hardtanh (${RUNS} random tensors and qparams)`, () => {
    fc.assert(
      fc.property(length, seed, scale, zp_u8, fc.double({ min: -4, max: 4, noNaN: true }), (n, s, sc, zp, lo) => {
        const x = qx(n, s, sc, zp);
        same_on_both(() => qf.relu(x), 'relu');
        same_on_both(() => qf.relu6(x), 'relu6');
        same_on_both(() => qf.hardtanh(x, lo, lo + 1.5), 'hardtanh');
      }),
      { numRuns: RUNS },
    );
  });

  it(`hardswish, hardsigmoid, sigmoid, tanh tables (${RUNS} random tensors and qparams)`, () => {
    fc.assert(
      fc.property(length, seed, scale, zp_u8, scale, zp_u8, (n, s, sc, zp, out_sc, out_zp) => {
        const x = qx(n, s, sc, zp);
        same_on_both(() => qf.hardswish(x, out_sc, out_zp), 'hardswish');
        same_on_both(() => qf.hardsigmoid(x), 'hardsigmoid');
        same_on_both(() => qf.sigmoid(x), 'sigmoid');
        same_on_both(() => qf.tanh(x), 'tanh');
      }),
      { numRuns: RUNS },
    );
  });

  it(`mul, mul_relu (${RUNS} cases, same shapes and broadcast)`, () => {
    fc.assert(
      fc.property(
        seed,
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 })),
        fc.boolean(),
        fc.tuple(scale, scale, scale),
        fc.tuple(zp_u8, zp_u8, zp_u8),
        (s, [nb, c, hw], broadcast, [sa, sb, so], [za, zb, zo]) => {
          const rnd = lcg(s);
          const a = make_qtensor(bytes(nb * c * hw, rnd), [nb, c, hw], 'quint8', sa, za);
          const bshape = broadcast ? [nb, c, 1] : [nb, c, hw];
          const b = make_qtensor(bytes(bshape[0] * bshape[1] * bshape[2], rnd), bshape, 'quint8', sb, zb);
          same_on_both(() => qf.mul(a, b, so, zo), 'mul');
          same_on_both(() => qf.mul_relu(a, b, so, zo), 'mul_relu');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`cat with inputs at other qparams (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        seed,
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 30 })),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), scale, zp_u8, fc.boolean()), { minLength: 1, maxLength: 3 }),
        scale,
        zp_u8,
        (s, [nb, hw], specs, so, zo) => {
          const rnd = lcg(s);
          const ts = specs.map(([c, sc, zp, same]) =>
            make_qtensor(bytes(nb * c * hw, rnd), [nb, c, hw], 'quint8', same ? so : sc, same ? zo : zp),
          );
          same_on_both(() => qf.cat(ts, 1, so, zo), 'cat');
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('quantize_per_tensor to quint8 on the backend kernel', () => {
  it(`equals quantize_val on js and wasm (${RUNS} cases: NaN, ±Inf, ±0, huge and tiny values)`, () => {
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 3e38, -3e38, 1e-40];
    fc.assert(
      fc.property(length, seed, scale, zp_u8, (n, s, sc, zp) => {
        const rnd = lcg(s);
        const x = Float32Array.from({ length: n }, () => {
          const r = rnd();
          return r < 0.05 ? special[Math.floor(rnd() * special.length)] : (rnd() * 2 - 1) * 300 * sc;
        });
        const t = new Tensor(x, [n], 'float32');
        const inv = inv_scale_of(sc);
        const want = Uint8Array.from(x, (v) => quantize_val(v, inv, zp, 0, 255));
        for (const be of ['js', 'wasm'] as const) {
          set_backend(be);
          const diff = first_diff(want, quantize_per_tensor(t, sc, zp, 'quint8').data);
          if (diff) throw new Error(`${be}, scale ${sc}, zero_point ${zp}: ${diff}`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
