/**
 * Every wasm qconv2d path against the js reference, bit for bit: the channel-pair direct conv
 * (assembly/qconv_direct.ts), the tap-pair kernel (assembly/qconv_pairs.ts, stride-1 vector im2col and
 * the scalar one) and im2col + GEMM, each pinned with make_wasm_int8's strategy so every shape reaches it
 * (conformance.test.ts covers what 'auto' picks). Also the requantization edges of the pair kernels'
 * epilogue (requant_x16: the `exact` path without a float clamp and the default one, accumulators far past
 * 2^22 after scaling), a weight reused under different geometries, and memory reuse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { js_backend } from '../../../runtime/backends/js/index.js';
import type { Conv2dGeometry, Int8Kernels, QOutput, QWeightSource } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { make_wasm_int8, type WasmQConvStrategy } from '../../../runtime/backends/wasm/int8.js';
import { conv_geometry_arb, conv_geometry_of, first_diff, ints, lcg, zp_i8, zp_u8 } from './_arbitraries.js';

const wasm = load_wasm_backend();
const js = js_backend;
const STRATEGIES: WasmQConvStrategy[] = ['direct', 'pairs', 'gemm'];
const kernels: Record<WasmQConvStrategy, Int8Kernels> = {
  auto: wasm.int8,
  direct: make_wasm_int8(wasm.instance, 'direct'),
  pairs: make_wasm_int8(wasm.instance, 'pairs'),
  gemm: make_wasm_int8(wasm.instance, 'gemm'),
};

/** Dense and grouped geometries with rows wide enough for the vector plane builders (8 and 16 columns). */
const geometry = conv_geometry_arb({
  groups: [1, 2],
  cig: [
    [1, 5],
    [6, 20],
  ],
  cog: [1, 9],
  kh: [1, 3],
  kw: [1, 4],
  stride: [1, 3],
  padding: [0, 2],
  dh: [1, 2],
  dw: [1, 2],
  extra_h: [0, 9],
  extra_w: [0, 40],
});

const qparams = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  x_zp: zp_u8,
  w_zp: zp_i8,
  per_channel: fc.boolean(),
  with_bias: fc.boolean(),
  out_zp: zp_u8,
  /** log2 of the requantization multiplier's size: −14 (all near zp) … 4 (far past 2^22: saturation). */
  mult_exp: fc.oneof(fc.integer({ min: -14, max: 4 }), fc.constantFrom(-9, -7)),
  clamp: fc.constantFrom('full', 'relu', 'range'),
  /** Inputs and weights at the range ends (largest accumulators) instead of uniform. */
  extreme: fc.boolean(),
});
type QParams = typeof qparams extends fc.Arbitrary<infer T> ? T : never;

/** js and the wasm kernels `k` give the same bytes on one random case. */
function expect_same(k: Int8Kernels, g: Conv2dGeometry, q: QParams): void {
  const rnd = lcg(q.seed);
  const n = g.out_channels;
  const kk = (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
  const nq = q.per_channel ? n : 1;
  const w: QWeightSource = {
    data: Int8Array.from(
      q.extreme ? ints(n * kk, 0, 1, rnd).map((v) => (v ? 127 : -128)) : ints(n * kk, -128, 127, rnd),
    ),
    n,
    k: kk,
    scales: Float32Array.from({ length: nq }, () => 2 ** (-8 + 4 * rnd())),
    zero_points: Int32Array.from({ length: nq }, (_, i) => (i === 0 ? q.w_zp : ints(1, -128, 127, rnd)[0])),
    bias: q.with_bias ? Float32Array.from({ length: n }, () => (rnd() - 0.5) * 8) : null,
  };
  const len = g.batch * g.in_channels * g.in_h * g.in_w;
  const x = {
    data: Uint8Array.from(q.extreme ? ints(len, 0, 1, rnd).map((v) => v * 255) : ints(len, 0, 255, rnd)),
    scale: 2 ** (-6 * rnd()),
    zero_point: q.x_zp,
  };
  // out scale such that x_scale·w_scale/out_scale ≈ 2^mult_exp
  const scale = (x.scale * w.scales[0]) / 2 ** q.mult_exp;
  const out: QOutput =
    q.clamp === 'full'
      ? { scale, zero_point: q.out_zp, qmin: 0, qmax: 255 }
      : q.clamp === 'relu'
        ? { scale, zero_point: q.out_zp, qmin: q.out_zp, qmax: 255 }
        : (() => {
            const [a, b] = ints(2, 0, 255, rnd).sort((u, v) => u - v);
            return { scale, zero_point: q.out_zp, qmin: a, qmax: b };
          })();
  const a = js.int8.qconv2d(x, g, js.int8.pack_qweight(w), out);
  const b = k.qconv2d(x, g, k.pack_qweight(w), out);
  expect(first_diff(a, b)).toBeNull();
}

describe('wasm qconv2d paths equal js bit for bit', () => {
  for (const s of STRATEGIES) {
    it(`strategy '${s}' (300 random dense and grouped cases)`, () => {
      fc.assert(
        fc.property(geometry, qparams, (g, q) => expect_same(kernels[s], g, q)),
        { numRuns: 300 },
      );
    });
  }

  it('the ResNet shapes at batch 2 on every path (16/32 channels, strides 1 and 2, 1×1 downsample)', () => {
    const shapes: [number, number, number, number, number][] = [
      [1, 16, 28, 3, 1],
      [16, 16, 28, 3, 1],
      [16, 32, 28, 3, 2],
      [16, 32, 28, 1, 2],
      [32, 64, 14, 3, 2],
      [64, 64, 7, 3, 1],
    ];
    let seed = 1;
    for (const [cin, cout, hw, k, s] of shapes) {
      const p = (k - 1) >> 1;
      const g = conv_geometry_of({
        ...{ batch: 2, groups: 1, cig: cin, cog: cout, in_h: hw, in_w: hw, kh: k, kw: k },
        ...{ sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1 },
      });
      for (const strategy of ['auto', ...STRATEGIES] as WasmQConvStrategy[]) {
        for (const mult_exp of [-12, -8, 3]) {
          const q: QParams = {
            seed: seed++,
            x_zp: 117,
            w_zp: -3,
            per_channel: seed % 2 === 0,
            with_bias: true,
            out_zp: 128,
            mult_exp,
            clamp: 'full',
            extreme: mult_exp === 3,
          };
          expect_same(kernels[strategy], g, q);
        }
      }
    }
  });

  it('a weight reused under geometries with the same k (direct path repacks it) and as Linear', () => {
    const rnd = lcg(5);
    const src: QWeightSource = {
      data: Int8Array.from(ints(6 * 18, -128, 127, rnd)),
      n: 6,
      k: 18,
      scales: Float32Array.of(0.02),
      zero_points: Int32Array.of(-4),
      bias: Float32Array.from({ length: 6 }, () => rnd() - 0.5),
    };
    const conv = (cin: number, kh: number, kw: number, groups: number): Conv2dGeometry => ({
      batch: 1,
      in_channels: cin,
      in_h: 9,
      in_w: 11,
      out_channels: 6,
      kernel_h: kh,
      kernel_w: kw,
      stride: [1, 1],
      padding: [1, 1],
      dilation: [1, 1],
      groups,
    });
    const out: QOutput = { scale: 0.3, zero_point: 100, qmin: 0, qmax: 255 };
    const pj = js.int8.pack_qweight(src);
    const pw = wasm.int8.pack_qweight(src);
    const geoms = [conv(2, 3, 3, 1), conv(6, 1, 3, 1), conv(18, 1, 1, 1), conv(4, 3, 3, 2), conv(2, 3, 3, 1)];
    for (let round = 0; round < 2; round++) {
      for (const g of geoms) {
        const x = { data: Uint8Array.from(ints(g.in_channels * 99, 0, 255, rnd)), scale: 0.05, zero_point: 7 };
        expect(first_diff(js.int8.qconv2d(x, g, pj, out), wasm.int8.qconv2d(x, g, pw, out))).toBeNull();
      }
      const xl = { data: Uint8Array.from(ints(3 * 18, 0, 255, rnd)), scale: 0.05, zero_point: 7 };
      expect(first_diff(js.int8.qlinear(xl, 3, pj, out), wasm.int8.qlinear(xl, 3, pw, out))).toBeNull();
    }
  });

  it('a weight alternating between the GEMM path (rows permuted in place) and the direct path', () => {
    const rnd = lcg(6);
    const src: QWeightSource = {
      data: Int8Array.from(ints(5 * 18, -128, 127, rnd)),
      n: 5,
      k: 18,
      scales: Float32Array.from({ length: 5 }, (_, i) => 0.01 * (i + 1)),
      zero_points: Int32Array.from({ length: 5 }, (_, i) => i - 2),
      bias: null,
    };
    const conv = (kh: number, kw: number): Conv2dGeometry => ({
      batch: 2,
      in_channels: 18 / (kh * kw),
      in_h: 10,
      in_w: 12,
      out_channels: 5,
      kernel_h: kh,
      kernel_w: kw,
      stride: [1, 2],
      padding: [1, 0],
      dilation: [1, 1],
      groups: 1,
    });
    const out: QOutput = { scale: 0.4, zero_point: 90, qmin: 10, qmax: 250 };
    const pj = js.int8.pack_qweight(src);
    const pw = kernels.gemm.pack_qweight(src);
    const order: [WasmQConvStrategy, number, number][] = [
      ['gemm', 3, 3],
      ['direct', 3, 3],
      ['gemm', 1, 9],
      ['direct', 3, 3],
      ['direct', 1, 9],
      ['gemm', 3, 3],
      ['direct', 9, 1],
      ['pairs', 3, 3],
    ];
    for (const [s, kh, kw] of order) {
      const g = conv(kh, kw);
      const x = { data: Uint8Array.from(ints(2 * g.in_channels * 120, 0, 255, rnd)), scale: 0.03, zero_point: 200 };
      expect(first_diff(js.int8.qconv2d(x, g, pj, out), kernels[s].qconv2d(x, g, pw, out))).toBeNull();
    }
    const xl = { data: Uint8Array.from(ints(2 * 18, 0, 255, rnd)), scale: 0.03, zero_point: 200 };
    expect(first_diff(js.int8.qlinear(xl, 2, pj, out), kernels.gemm.qlinear(xl, 2, pw, out))).toBeNull();
  });

  it('repeated direct and pair convs reuse memory (no growth after the first call)', () => {
    const g = conv_geometry_of({
      ...{ batch: 3, groups: 1, cig: 16, cog: 16, in_h: 20, in_w: 20, kh: 3, kw: 3 },
      ...{ sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 },
    });
    const g1 = { ...g, in_channels: 1 };
    const rnd = lcg(9);
    const make = (k: number): QWeightSource => ({
      data: Int8Array.from(ints(16 * k, -128, 127, rnd)),
      n: 16,
      k,
      scales: Float32Array.of(0.01),
      zero_points: Int32Array.of(0),
      bias: null,
    });
    const w16 = wasm.int8.pack_qweight(make(144));
    const w1 = wasm.int8.pack_qweight(make(9));
    const x = { data: Uint8Array.from(ints(3 * 16 * 400, 0, 255, rnd)), scale: 0.02, zero_point: 128 };
    const x1 = { ...x, data: x.data.subarray(0, 3 * 400) };
    const out: QOutput = { scale: 0.5, zero_point: 128, qmin: 0, qmax: 255 };
    wasm.int8.qconv2d(x, g, w16, out);
    wasm.int8.qconv2d(x1, g1, w1, out);
    const size = wasm.instance.heap.byte_length;
    for (let i = 0; i < 5; i++) {
      wasm.int8.qconv2d(x, g, w16, out);
      wasm.int8.qconv2d(x1, g1, w1, out);
    }
    expect(wasm.instance.heap.byte_length).toBe(size);
  });
});
