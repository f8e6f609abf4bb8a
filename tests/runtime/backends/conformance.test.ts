/**
 * One conformance suite for the kernel backends: the wasm SIMD kernels must reproduce the js reference
 * bit for bit on every int8 kernel (random shapes incl. odd sizes, strides, paddings, dilations, groups
 * incl. depthwise, qparams with zero points at 0 and 255, per-tensor and per-channel weights), and the fp32
 * kernels within 1e-4 relative.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { js_backend } from '../../../runtime/backends/js/index.js';
import type { Conv2dGeometry, QOutput, QWeightSource } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { conv_geometry_arb, first_diff, ints, lcg, uniform_f32, zp_i8, zp_u8 } from './_arbitraries.js';

const wasm = load_wasm_backend();
const js = js_backend;
const RUNS = 1000;

/** Everything but the shapes: data seed, qparams, output clamp style, bias, per-channel. */
const qparams = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  x_zp: zp_u8,
  x_scale_exp: fc.double({ min: -9, max: 1, noNaN: true }),
  w_zp: zp_i8,
  per_channel: fc.boolean(),
  with_bias: fc.boolean(),
  out_zp: zp_u8,
  out_factor: fc.double({ min: 0.005, max: 3, noNaN: true }),
  clamp: fc.constantFrom('full', 'relu', 'range'),
});
type QParams = typeof qparams extends fc.Arbitrary<infer T> ? T : never;

function make_weight(n: number, k: number, q: QParams, rnd: () => number): QWeightSource {
  const nq = q.per_channel ? n : 1;
  return {
    data: Int8Array.from(ints(n * k, -128, 127, rnd)),
    n,
    k,
    scales: Float32Array.from({ length: nq }, () => 2 ** (-9 + 7 * rnd())),
    zero_points: Int32Array.from({ length: nq }, (_, i) => (i === 0 ? q.w_zp : ints(1, -128, 127, rnd)[0])),
    bias: q.with_bias ? Float32Array.from({ length: n }, () => (rnd() - 0.5) * 4) : null,
  };
}

function make_out(q: QParams, x_scale: number, w: QWeightSource, k: number, rnd: () => number): QOutput {
  // an output scale near the accumulator's typical magnitude, so results land inside (and outside) the clamp range
  const scale = x_scale * w.scales[0] * Math.sqrt(k) * 128 * q.out_factor;
  if (q.clamp === 'full') return { scale, zero_point: q.out_zp, qmin: 0, qmax: 255 };
  if (q.clamp === 'relu') return { scale, zero_point: q.out_zp, qmin: q.out_zp, qmax: 255 };
  const [a, b] = ints(2, 0, 255, rnd).sort((u, v) => u - v);
  return { scale, zero_point: q.out_zp, qmin: a, qmax: b };
}

const conv_geometry = conv_geometry_arb({
  groups: [1, 3],
  cig: [
    [1, 4],
    [8, 16],
  ],
  cog: [1, 5],
  depthwise: true,
  kh: [1, 3],
  kw: [1, 3],
  stride: [1, 3],
  padding: [0, 2],
  dh: [1, 2],
  dw: [1, 2],
  extra_h: [0, 12],
  extra_w: [0, 17],
});

/** One random qlinear case [m, k] × [n, k]ᵀ: weight, input and output qparams, all drawn from `q.seed`. */
function linear_case(m: number, n: number, k: number, q: QParams) {
  const rnd = lcg(q.seed);
  const w = make_weight(n, k, q, rnd);
  const x = { data: Uint8Array.from(ints(m * k, 0, 255, rnd)), scale: 2 ** q.x_scale_exp, zero_point: q.x_zp };
  return { w, x, out: make_out(q, x.scale, w, k, rnd) };
}

/** js and wasm qconv2d on one random case (data and qparams from `q`) give the same bytes. */
function expect_same_qconv(g: Conv2dGeometry, q: QParams): void {
  const rnd = lcg(q.seed);
  const k = (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
  const w = make_weight(g.out_channels, k, q, rnd);
  const x = {
    data: Uint8Array.from(ints(g.batch * g.in_channels * g.in_h * g.in_w, 0, 255, rnd)),
    scale: 2 ** q.x_scale_exp,
    zero_point: q.x_zp,
  };
  const out = make_out(q, x.scale, w, k, rnd);
  const a = js.int8.qconv2d(x, g, js.int8.pack_qweight(w), out);
  const b = wasm.int8.qconv2d(x, g, wasm.int8.pack_qweight(w), out);
  expect(first_diff(a, b)).toBeNull();
}

describe('int8 conformance: wasm equals js bit for bit', () => {
  it(`qlinear (${RUNS} random cases)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 17 }),
        fc.integer({ min: 1, max: 37 }),
        fc.integer({ min: 1, max: 150 }),
        qparams,
        (m, n, k, q) => {
          const { w, x, out } = linear_case(m, n, k, q);
          const a = js.int8.qlinear(x, m, js.int8.pack_qweight(w), out);
          const b = wasm.int8.qlinear(x, m, wasm.int8.pack_qweight(w), out);
          expect(first_diff(a, b)).toBeNull();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`qlinear_acc (${RUNS} random cases)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 21 }),
        fc.integer({ min: 1, max: 90 }),
        qparams,
        (m, n, k, q) => {
          const { w, x } = linear_case(m, n, k, q);
          const a = js.int8.qlinear_acc(x.data, q.x_zp, m, js.int8.pack_qweight(w));
          const b = wasm.int8.qlinear_acc(x.data, q.x_zp, m, wasm.int8.pack_qweight(w));
          expect(first_diff(a, b)).toBeNull();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`qconv2d (${RUNS} random cases, groups incl. depthwise; short and long reductions)`, () => {
    let long = 0;
    fc.assert(
      fc.property(conv_geometry, qparams, (g, q) => {
        if ((g.in_channels / g.groups) * g.kernel_h * g.kernel_w > 64) long++;
        expect_same_qconv(g, q);
      }),
      { numRuns: RUNS },
    );
    // short (k ≤ 64: the pair kernel, or the direct conv for ≥ 2 channels per group) and long reductions
    // were exercised; each forced path (direct / pairs / GEMM) is checked in wasm_qconv_paths.test.ts
    expect(long).toBeGreaterThan(30);
  });

  it(`depthwise qconv2d (${RUNS} random cases: kernels to 7×7 and 17×17, strides to 4, dilations to 3)`, () => {
    const dw_geometry = fc
      .record({
        batch: fc.integer({ min: 1, max: 2 }),
        channels: fc.integer({ min: 2, max: 4 }),
        mult: fc.integer({ min: 1, max: 2 }),
        kh: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant(17)),
        kw: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant(17)),
        sh: fc.integer({ min: 1, max: 4 }),
        sw: fc.integer({ min: 1, max: 4 }),
        dh: fc.integer({ min: 1, max: 3 }),
        dw: fc.integer({ min: 1, max: 3 }),
        ph: fc.integer({ min: 0, max: 3 }),
        pw: fc.integer({ min: 0, max: 3 }),
        extra_h: fc.integer({ min: 0, max: 6 }),
        extra_w: fc.integer({ min: 0, max: 30 }),
      })
      .map(
        (r): Conv2dGeometry => ({
          batch: r.batch,
          in_channels: r.channels,
          in_h: Math.max(1, r.dh * (r.kh - 1) + 1 - 2 * r.ph) + r.extra_h,
          in_w: Math.max(1, r.dw * (r.kw - 1) + 1 - 2 * r.pw) + r.extra_w,
          out_channels: r.channels * r.mult,
          kernel_h: r.kh,
          kernel_w: r.kw,
          stride: [r.sh, r.sw],
          padding: [r.ph, r.pw],
          dilation: [r.dh, r.dw],
          groups: r.channels,
        }),
      );
    fc.assert(
      fc.property(dw_geometry, qparams, (g, q) => expect_same_qconv(g, q)),
      { numRuns: RUNS },
    );
  });

  it('long reductions (k > 1024: the GEMM blocks k and keeps partial sums) on qlinear, qlinear_acc, qconv2d', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1025, max: 3000 }),
        qparams,
        (m, n, k, q) => {
          const { w, x, out } = linear_case(m, n, k, q);
          const pj = js.int8.pack_qweight(w);
          const pw = wasm.int8.pack_qweight(w);
          expect(first_diff(js.int8.qlinear(x, m, pj, out), wasm.int8.qlinear(x, m, pw, out))).toBeNull();
          expect(
            first_diff(js.int8.qlinear_acc(x.data, q.x_zp, m, pj), wasm.int8.qlinear_acc(x.data, q.x_zp, m, pw)),
          ).toBeNull();
        },
      ),
      { numRuns: 25 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 115, max: 140 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 3, max: 7 }),
        qparams,
        (cin, cout, hw, q) => {
          expect_same_qconv(
            {
              batch: 1,
              in_channels: cin,
              in_h: hw,
              in_w: hw + 1,
              out_channels: cout,
              kernel_h: 3,
              kernel_w: 3,
              stride: [1, 2],
              padding: [1, 1],
              dilation: [1, 1],
              groups: 1,
            },
            q,
          );
        },
      ),
      { numRuns: 15 },
    );
  });

  it('accumulators past 2^24 (inexact int32→f32 conversion) requantize identically', () => {
    // x = 255 with zp 0 against w = −128 with zp 127: each product is −65025, so k = 600 reaches −39M
    const m = 3,
      n = 6,
      k = 600;
    const w: QWeightSource = {
      data: new Int8Array(n * k).fill(-128).map((v, i) => (i % 7 === 0 ? 127 : v)),
      n,
      k,
      scales: Float32Array.from({ length: n }, (_, i) => 0.001 * (i + 1)),
      zero_points: new Int32Array(n).fill(127),
      bias: null,
    };
    const x = {
      data: new Uint8Array(m * k).fill(255).map((v, i) => (i % 5 === 0 ? 3 : v)),
      scale: 0.05,
      zero_point: 0,
    };
    const out: QOutput = { scale: 1500, zero_point: 200, qmin: 0, qmax: 255 };
    const pj = js.int8.pack_qweight(w);
    const pw = wasm.int8.pack_qweight(w);
    const acc = js.int8.qlinear_acc(x.data, 0, m, pj);
    expect(Math.max(...acc.map(Math.abs))).toBeGreaterThan(2 ** 24);
    expect(first_diff(acc, wasm.int8.qlinear_acc(x.data, 0, m, pw))).toBeNull();
    const a = js.int8.qlinear(x, m, pj, out);
    expect(first_diff(a, wasm.int8.qlinear(x, m, pw, out))).toBeNull();
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  it('exact halves round to even in both backends (mult = 0.5, odd accumulators)', () => {
    // x_scale·w_scale/out_scale = 0.5 exactly: every odd accumulator is a tie
    const k = 3,
      n = 5,
      m = 40;
    const rnd = lcg(11);
    const w: QWeightSource = {
      data: Int8Array.from(ints(n * k, -9, 9, rnd)),
      n,
      k,
      scales: Float32Array.of(1),
      zero_points: Int32Array.of(0),
      bias: null,
    };
    const x = { data: Uint8Array.from(ints(m * k, 0, 20, rnd)), scale: 1, zero_point: 10 };
    const out: QOutput = { scale: 2, zero_point: 128, qmin: 0, qmax: 255 };
    const pj = js.int8.pack_qweight(w);
    const acc = js.int8.qlinear_acc(x.data, 10, m, pj);
    expect(acc.some((v) => v % 2 !== 0)).toBe(true);
    const b = wasm.int8.qlinear(x, m, wasm.int8.pack_qweight(w), out);
    for (let i = 0; i < acc.length; i++) {
      const half = acc[i] / 2;
      const even = Math.abs(half % 1) === 0.5 ? 2 * Math.round(half / 2) : Math.round(half);
      expect(b[i]).toBe(even + 128);
    }
    expect(first_diff(js.int8.qlinear(x, m, pj, out), b)).toBeNull();
  });

  it('a weight used as conv and then as linear keeps both results exact (in-place row permutation)', () => {
    const rnd = lcg(7);
    const g: Conv2dGeometry = {
      batch: 1,
      in_channels: 3,
      in_h: 5,
      in_w: 6,
      out_channels: 4,
      kernel_h: 3,
      kernel_w: 2,
      stride: [1, 1],
      padding: [1, 0],
      dilation: [1, 1],
      groups: 1,
    };
    const w: QWeightSource = {
      data: Int8Array.from(ints(4 * 18, -128, 127, rnd)),
      n: 4,
      k: 18,
      scales: Float32Array.of(0.01),
      zero_points: Int32Array.of(3),
      bias: null,
    };
    const x = { data: Uint8Array.from(ints(90, 0, 255, rnd)), scale: 0.02, zero_point: 9 };
    const out: QOutput = { scale: 0.2, zero_point: 128, qmin: 0, qmax: 255 };
    const pw = wasm.int8.pack_qweight(w);
    const pj = js.int8.pack_qweight(w);
    const xl = { ...x, data: x.data.subarray(0, 36) };
    for (let round = 0; round < 2; round++) {
      expect(first_diff(js.int8.qconv2d(x, g, pj, out), wasm.int8.qconv2d(x, g, pw, out))).toBeNull();
      expect(first_diff(js.int8.qlinear(xl, 2, pj, out), wasm.int8.qlinear(xl, 2, pw, out))).toBeNull();
    }
  });
});

function max_rel_err(ref: Float32Array, got: Float32Array): number {
  let scale = 1;
  for (const v of ref) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(ref[i] - got[i]));
  return err / scale;
}

describe('fp32 conformance: wasm within 1e-4 relative of js', () => {
  it('sgemm (random shapes, transposes, bias, accumulate)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 27 }),
        fc.integer({ min: 0, max: 300 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (m, n, k, ta, tb, with_bias, acc, seed) => {
          const rnd = lcg(seed);
          const f = (len: number) => uniform_f32(len, rnd);
          const a = f(m * k),
            b = f(k * n),
            c0 = f(m * n);
          const bias = with_bias ? f(n) : null;
          const cj = c0.slice(),
            cw = c0.slice();
          js.fp32.sgemm(m, n, k, a, b, cj, { trans_a: ta, trans_b: tb, bias, accumulate: acc });
          wasm.fp32.sgemm(m, n, k, a, b, cw, { trans_a: ta, trans_b: tb, bias, accumulate: acc });
          expect(max_rel_err(cj, cw)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('conv2d (random geometry incl. groups and depthwise)', () => {
    fc.assert(
      fc.property(conv_geometry, fc.boolean(), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (g, with_bias, seed) => {
        const rnd = lcg(seed);
        const f = (len: number) => uniform_f32(len, rnd);
        const x = f(g.batch * g.in_channels * g.in_h * g.in_w);
        const w = f(g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w);
        const bias = with_bias ? f(g.out_channels) : null;
        expect(max_rel_err(js.fp32.conv2d(x, g, w, bias), wasm.fp32.conv2d(x, g, w, bias))).toBeLessThan(1e-4);
      }),
      { numRuns: 300 },
    );
  });
});
