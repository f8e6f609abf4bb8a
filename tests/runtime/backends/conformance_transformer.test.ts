/**
 * Conformance of the transformer int8 kernels (qmatmul, qadd_float, qlayer_norm, qsoftmax, qsoftmax_int,
 * qsoftargmax): the wasm kernels
 * equal the js reference bit for bit on 1,000 random cases each (sizes that do and do not divide the SIMD
 * widths: 8-element reduction blocks, 4-column tiles, 8 softmax lanes, 64-element add vectors), raw and
 * through the quantized ops with broadcasting (quantized.matmul, quantized.add); Sleef's expf on both backends.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { sleef_expf_u10 } from '../../../runtime/backends/js/fp32/aten_vec_math.js';
import { js_backend } from '../../../runtime/backends/js/index.js';
import { QADD_VEC_STEP, qadd_float_params } from '../../../runtime/backends/js/int8/add_float.js';
import { qnnpack_softargmax_table } from '../../../runtime/backends/js/int8/softargmax.js';
import { softmax_int_params } from '../../../runtime/backends/js/int8/softmax_int.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import type { QOutput } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { quantize_per_tensor } from '../../../runtime/quant/qtensor.js';
import * as qf from '../../../runtime/quantized/functional/index.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { first_diff, lcg, zp_u8 } from './_arbitraries.js';

const wasm_backend = load_wasm_backend();
const wasm = wasm_backend.int8;
const js = js_backend.int8;
const RUNS = 1000;
const previous = get_backend().name;
afterAll(() => set_backend(previous));

function bytes(n: number, rnd: () => number): Uint8Array {
  return Uint8Array.from({ length: n }, () => {
    const r = rnd();
    return r < 0.05 ? 0 : r < 0.1 ? 255 : Math.floor(rnd() * 256);
  });
}
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const scale = fc.oneof(
  fc.double({ min: -10, max: 2, noNaN: true }).map((e) => Math.fround(2 ** e)),
  fc.double({ min: 1e-3, max: 2, noNaN: true }).map(Math.fround),
);
const out_q = fc
  .record({ scale, zp: zp_u8, relu: fc.boolean() })
  .map(({ scale: s, zp, relu }): QOutput => ({ scale: s, zero_point: zp, qmin: relu ? zp : 0, qmax: 255 }));
const dim = (max: number) => fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max }));

function same(a: Uint8Array, b: Uint8Array, what: string): void {
  const d = first_diff(a, b);
  if (d) throw new Error(`${what}: ${d}`);
}

describe('transformer int8 kernels: wasm equals js bit for bit', () => {
  it(`qmatmul (${RUNS} random batched shapes and qparams)`, () => {
    fc.assert(
      fc.property(
        fc.record({ batch: dim(5), m: dim(60), k: fc.oneof(dim(70), fc.constant(0)), n: dim(60) }),
        scale,
        zp_u8,
        scale,
        zp_u8,
        out_q,
        seed,
        (g, sa, za, sb, zb, out, s) => {
          const rnd = lcg(s);
          const a = { data: bytes(g.batch * g.m * g.k, rnd), scale: sa, zero_point: za };
          const b = { data: bytes(g.batch * g.k * g.n, rnd), scale: sb, zero_point: zb };
          let want: Uint8Array;
          try {
            want = js.qmatmul(a, b, g, out);
          } catch (e) {
            // a multiplier past float32 is refused by both
            expect(() => wasm.qmatmul(a, b, g, out)).toThrow((e as Error).message.replace('js.', 'wasm.'));
            return;
          }
          same(want, wasm.qmatmul(a, b, g, out), `qmatmul ${JSON.stringify(g)}`);
        },
      ),
      { numRuns: RUNS, seed: 11 },
    );
  });

  it('qmatmul with reductions past the 1024-element block of qgemm (100 cases)', () => {
    fc.assert(
      fc.property(
        fc.record({ batch: dim(3), m: dim(9), k: fc.integer({ min: 1020, max: 2100 }), n: dim(9) }),
        seed,
        (g, s) => {
          const rnd = lcg(s);
          const a = { data: bytes(g.batch * g.m * g.k, rnd), scale: 0.01, zero_point: 128 };
          const b = { data: bytes(g.batch * g.k * g.n, rnd), scale: 0.02, zero_point: 100 };
          const out = { scale: 5, zero_point: 128, qmin: 0, qmax: 255 };
          same(js.qmatmul(a, b, g, out), wasm.qmatmul(a, b, g, out), `qmatmul ${JSON.stringify(g)}`);
        },
      ),
      { numRuns: 100, seed: 18 },
    );
  });

  it(`qadd_float (${RUNS} random lengths, repeats, loop runs and qparams)`, () => {
    fc.assert(
      fc.property(
        fc.record({ nb: dim(300), reps: dim(6), runs: fc.integer({ min: 1, max: 4 }) }),
        fc.tuple(scale, zp_u8, scale, zp_u8, scale, zp_u8),
        fc.boolean(),
        seed,
        ({ nb, reps, runs }, [sa, za, sb, zb, so, zo], relu, s) => {
          const rnd = lcg(s);
          const n = nb * reps;
          const run = n % runs === 0 ? n / runs : n;
          const vec_len = fc.sample(fc.constantFrom(0, run - (run % QADD_VEC_STEP)), { seed: s, numRuns: 1 })[0];
          const p = qadd_float_params(sa, za, sb, zb, so, zo, relu, { run, vec_len });
          const a = bytes(n, rnd);
          const b = bytes(nb, rnd);
          same(js.qadd_float(a, b, p), wasm.qadd_float(a, b, p), `qadd_float n ${n} nb ${nb} run ${run}`);
        },
      ),
      { numRuns: RUNS, seed: 12 },
    );
  });

  it(`qlayer_norm (${RUNS} random rows, lengths, affine and eps)`, () => {
    fc.assert(
      fc.property(
        fc.record({ rows: dim(12), n: dim(200) }),
        scale,
        zp_u8,
        out_q,
        fc.constantFrom(1e-5, 1e-6, 0.1, 0),
        fc.constantFrom('both', 'weight', 'none'),
        seed,
        ({ rows, n }, xs, xz, out, eps, affine, s) => {
          const rnd = lcg(s);
          const x = { data: bytes(rows * n, rnd), scale: xs, zero_point: xz };
          // constant rows (zero variance) now and then
          if (rnd() < 0.1) x.data.fill(x.data[0] ?? 0, 0, n);
          const w = affine === 'none' ? null : Float32Array.from({ length: n }, () => rnd() * 2 - 0.5);
          const b = affine === 'both' ? Float32Array.from({ length: n }, () => rnd() - 0.5) : null;
          const p = { rows, n, weight: w, bias: b, eps };
          same(js.qlayer_norm(x, p, out), wasm.qlayer_norm(x, p, out), `qlayer_norm rows ${rows} n ${n}`);
        },
      ),
      { numRuns: RUNS, seed: 13 },
    );
  });

  it(`qsoftmax (${RUNS} random rows, row lengths and qparams)`, () => {
    fc.assert(
      fc.property(
        fc.record({ rows: dim(20), n: fc.oneof(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 140 })) }),
        scale,
        zp_u8,
        out_q,
        seed,
        ({ rows, n }, xs, xz, out, s) => {
          const rnd = lcg(s);
          const x = { data: bytes(rows * n, rnd), scale: xs, zero_point: xz };
          same(js.qsoftmax(x, rows, n, out), wasm.qsoftmax(x, rows, n, out), `qsoftmax rows ${rows} n ${n}`);
        },
      ),
      { numRuns: RUNS, seed: 14 },
    );
  });

  it(`qsoftmax_int (${RUNS} random rows, row lengths and qparams)`, () => {
    fc.assert(
      fc.property(
        fc.record({ rows: dim(20), n: fc.oneof(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 300 })) }),
        scale,
        out_q,
        seed,
        ({ rows, n }, xs, out, s) => {
          const rnd = lcg(s);
          const x = bytes(rows * n, rnd);
          let p: ReturnType<typeof softmax_int_params>;
          try {
            p = softmax_int_params(xs, out.scale, out.zero_point);
          } catch {
            return; // an output scale whose 2^16 / scale leaves int32 is refused
          }
          p.qmin = out.qmin;
          same(js.qsoftmax_int(x, rows, n, p), wasm.qsoftmax_int(x, rows, n, p), `qsoftmax_int rows ${rows} n ${n}`);
        },
      ),
      { numRuns: RUNS, seed: 17 },
    );
  });

  it(`qsoftargmax (${RUNS} random rows, row lengths and input scales; qnnpack's own table)`, () => {
    fc.assert(
      fc.property(
        fc.record({ rows: dim(20), n: fc.oneof(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 600 })) }),
        scale,
        seed,
        ({ rows, n }, xs, s) => {
          const x = bytes(rows * n, lcg(s));
          const t = qnnpack_softargmax_table(n, xs);
          same(js.qsoftargmax(x, rows, n, t), wasm.qsoftargmax(x, rows, n, t), `qsoftargmax rows ${rows} n ${n}`);
        },
      ),
      { numRuns: RUNS, seed: 19 },
    );
  });

  it('qsoftargmax: the js quotient is the exact integer one (BigInt check, 200 rows)', () => {
    const rnd = lcg(7);
    for (let c = 0; c < 200; c++) {
      const n = 1 + Math.floor(rnd() * 300);
      const x = bytes(n, rnd);
      const t = qnnpack_softargmax_table(n, 0.001 + rnd() * 0.5);
      const y = js.qsoftargmax(x, 1, n, t);
      const m = x.reduce((a, v) => Math.max(a, v), 0);
      let sum = 0n;
      for (const v of x) sum += BigInt(t[v + 255 - m]);
      for (let i = 0; i < n; i++) {
        const q = (BigInt(t[x[i] + 255 - m]) * 256n + sum / 2n) / sum;
        expect(y[i]).toBe(Number(q > 255n ? 255n : q));
      }
    }
  });

  it("Sleef's expf_u10: wasm equals js on 200,000 floats over its whole range (and within 1 ulp of exp)", () => {
    const rnd = lcg(99);
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const wexp = wasm_backend.instance.exports.sleef_expf;
    let worst = 0;
    for (let i = 0; i < 200000; i++) {
      const d = Math.fround(-110 + rnd() * 215);
      const j = sleef_expf_u10(d);
      if (wexp(d) !== j) expect(`wasm ${wexp(d)} for ${d}`).toBe(`js ${j}`);
      const e = Math.exp(d);
      if (Number.isFinite(e) && e > 1e-37 && e < 1e38) {
        f32[0] = e;
        const ulp = Math.abs(Math.fround(e) - f32[0]) + 2 ** (((u32[0] >>> 23) & 255) - 150);
        worst = Math.max(worst, Math.abs(j - e) / ulp);
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('quantized.matmul / quantized.add with broadcasting: wasm equals js', () => {
  const qt = (shape: number[], sc: number, zp: number, rnd: () => number): Tensor =>
    make_qtensor(
      bytes(
        shape.reduce((p, d) => p * d, 1),
        rnd,
      ),
      shape,
      'quint8',
      sc,
      zp,
    );
  function both(op: () => Tensor, what: string): void {
    set_backend('js');
    const a = op();
    set_backend('wasm');
    const b = op();
    set_backend('js');
    same(a.data as Uint8Array, b.data as Uint8Array, what);
    expect(b.shape).toEqual(a.shape);
  }
  it(`matmul of broadcast batch dims (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.tuple(dim(3), dim(3), dim(20), dim(20), dim(20)),
        fc.boolean(),
        seed,
        ([b0, b1, m, k, n], which, s) => {
          const rnd = lcg(s);
          const a = qt(which ? [b0, 1, m, k] : [b1, m, k], 0.05, 120, rnd);
          const b = qt(which ? [1, b1, k, n] : [b0, b1, k, n], 0.03, 130, rnd);
          both(() => qf.matmul(a, b, 0.7, 128), `matmul [${a.shape}]·[${b.shape}]`);
        },
      ),
      { numRuns: RUNS, seed: 15 },
    );
  });
  it(`requantize equals quantize_per_tensor(x.dequantize()) (${RUNS} cases, both backends)`, () => {
    fc.assert(
      fc.property(dim(300), scale, zp_u8, scale, zp_u8, seed, (n, sx, zx, so, zo, s) => {
        const x = qt([n], sx, zx, lcg(s));
        both(() => qf.requantize(x, so, zo), `requantize n ${n}`);
        const want = quantize_per_tensor(x.dequantize(), so, zo, 'quint8');
        expect([...qf.requantize(x, so, zo).data]).toEqual([...want.data]);
      }),
      { numRuns: RUNS, seed: 20 },
    );
  });

  it(`add of broadcast operands (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.tuple(dim(4), dim(30), dim(150)), fc.integer({ min: 0, max: 3 }), seed, ([b, t, d], form, s) => {
        const rnd = lcg(s);
        const shapes = [
          [
            [b, t, d],
            [1, t, d],
          ],
          [
            [1, t, d],
            [b, t, d],
          ],
          [[b, t, d], [d]],
          [
            [b, 1, d],
            [1, t, d],
          ],
        ][form];
        const x = qt(shapes[0], 0.02, 110, rnd);
        const y = qt(shapes[1], 0.004, 137, rnd);
        both(() => qf.add(x, y, 0.021, 113), `add [${x.shape}] + [${y.shape}]`);
      }),
      { numRuns: RUNS, seed: 16 },
    );
  });
});
