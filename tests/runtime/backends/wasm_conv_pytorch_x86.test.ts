/**
 * The wasm form of the PyTorch-x86 calibration conv (assembly/fconv_pytorch.ts) equals the JS loop
 * (js/fp32/pytorch_x86.ts conv2d_pytorch_x86) bit for bit: random geometries (strides, padding, dilation,
 * groups, < 8 and ≥ 8 channels per group, bias, bias_last) on values with few significant bits, whose float64
 * sums are often float32 ties (the fma fix-up path); and set_fp32_numerics('pytorch_x86') runs it on wasm.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { set_fp32_numerics } from '../../../runtime/backends/fp32_numerics.js';
import { conv2d_pytorch_x86 } from '../../../runtime/backends/js/fp32/pytorch_x86.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import type { Conv2dGeometry } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { conv_geometry_arb, conv_geometry_of, first_diff, lcg } from './_arbitraries.js';

const wasm = load_wasm_backend();
const wasm_conv = wasm.fp32.conv2d_pytorch_x86 as NonNullable<typeof wasm.fp32.conv2d_pytorch_x86>;

/** n floats k·2^e (k < 2^bits, e spread over `spread` binades): with few bits and a wide spread, a small
 * product often lands exactly half a float32 step off the running sum (a float64 tie). */
function few_bits(n: number, rnd: () => number, bits: number, spread: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rnd() * 2 ** bits) + 1;
    out[i] = (rnd() < 0.5 ? -1 : 1) * k * 2 ** (Math.floor(rnd() * spread) - (spread >> 1) - bits);
  }
  return out;
}

const arb_geometry = conv_geometry_arb({
  groups: [1, 3],
  cig: [
    [1, 7],
    [8, 20],
  ],
  cog: [1, 4],
  kh: [1, 4],
  kw: [1, 4],
  stride: [1, 3],
  padding: [0, 2],
  dh: [1, 2],
  dw: [1, 2],
  extra_h: [0, 6],
  extra_w: [0, 13],
});

function inputs(g: Conv2dGeometry, seed: number, bits: number, with_bias: boolean, spread = 13) {
  const rnd = lcg(seed);
  const x = few_bits(g.batch * g.in_channels * g.in_h * g.in_w, rnd, bits, spread);
  const w = few_bits((g.out_channels * g.in_channels * g.kernel_h * g.kernel_w) / g.groups, rnd, bits, spread);
  const bias = with_bias ? few_bits(g.out_channels, rnd, bits, spread) : null;
  return { x, w, bias };
}

describe('wasm conv2d_pytorch_x86', () => {
  afterEach(() => {
    set_fp32_numerics('fast');
    set_backend('js');
  });

  it('equals the JS loop bit for bit on random geometries and tie-prone values', () => {
    expect(wasm_conv).not.toBeNull();
    fc.assert(
      fc.property(
        arb_geometry,
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 60 }),
        fc.boolean(),
        fc.boolean(),
        (g, seed, bits, spread, with_bias, bias_last) => {
          const { x, w, bias } = inputs(g, seed, bits, with_bias, spread);
          const want = conv2d_pytorch_x86(x, g, w, bias, undefined, bias_last);
          const got = wasm_conv(x, g, w, bias, undefined, bias_last);
          const diff = first_diff(new Int32Array(want.buffer), new Int32Array(got.buffer));
          if (diff) throw new Error(`${JSON.stringify(g)} bits ${bits}: ${diff}`);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it('takes the tie fix-up: a chain whose float64 sum is a float32 tie rounds as a hardware fma', () => {
    // one output, two taps: acc = 2²⁴ + 2 (bias), then fma(1 + 2⁻²³, 1 − 2⁻²³, acc): the float64 sum is the
    // midpoint 2²⁴ + 3, an fma keeps 2²⁴ + 2 (pytorch_x86.test.ts fma_f32); the second tap adds 0
    const g = conv_geometry_of({ ...ONE_BY_ONE, ...ONE_BY_ONE_PAD, in_w: 2 });
    const x = new Float32Array([1 + 2 ** -23, 0]);
    const w = new Float32Array([1 - 2 ** -23]);
    const bias = new Float32Array([2 ** 24 + 2]);
    expect([...wasm_conv(x, g, w, bias)]).toEqual([2 ** 24 + 2, 2 ** 24 + 2]);
    expect([...conv2d_pytorch_x86(x, g, w, bias)]).toEqual([2 ** 24 + 2, 2 ** 24 + 2]);
  });

  it("set_fp32_numerics('pytorch_x86') on the wasm backend runs the wasm kernel", () => {
    set_backend('wasm');
    set_fp32_numerics('pytorch_x86');
    const fp32 = get_backend().fp32;
    let calls = 0;
    const exports = wasm.instance.exports;
    const kernel = exports.conv2d_pytorch_x86_f32;
    exports.conv2d_pytorch_x86_f32 = (...a: Parameters<typeof kernel>) => {
      calls++;
      kernel(...a);
    };
    try {
      const g: Conv2dGeometry = { ...conv_g3(), batch: 2 };
      const { x, w, bias } = inputs(g, 5, 12, true);
      const y = fp32.conv2d(x, g, w, bias);
      expect(calls).toBe(1);
      expect(first_diff(y, conv2d_pytorch_x86(x, g, w, bias))).toBeNull();
    } finally {
      exports.conv2d_pytorch_x86_f32 = kernel;
    }
  });
});

const ONE_BY_ONE = { batch: 1, groups: 1, cig: 1, cog: 1, in_h: 1, in_w: 1, kh: 1, kw: 1, sh: 1, sw: 1 };
const ONE_BY_ONE_PAD = { ph: 0, pw: 0, dh: 1, dw: 1 };

/** 9 → 4 channels, 3×3, padding 1, on a 7×9 map. */
function conv_g3(): Conv2dGeometry {
  return conv_geometry_of({
    ...ONE_BY_ONE,
    ...ONE_BY_ONE_PAD,
    cig: 9,
    cog: 4,
    in_h: 7,
    in_w: 9,
    kh: 3,
    kw: 3,
    ph: 1,
    pw: 1,
  });
}
