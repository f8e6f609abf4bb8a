/**
 * The wasm fp32 conv strategies (shifted phase planes, im2col + packed GEMM, direct depthwise) and the
 * swapped Linear GEMM: each equals the js reference within 1e-4 relative and, where two wasm paths
 * compute the same sums in the same k order, bit for bit. Also which path `auto` picks, and that
 * steady-state calls do not grow memory.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { js_backend } from '../../../runtime/backends/js/index.js';
import type { Conv2dGeometry } from '../../../runtime/backends/types.js';
import type { WasmExports } from '../../../runtime/backends/wasm/abi.js';
import { make_wasm_conv2d, type WasmConvStrategy } from '../../../runtime/backends/wasm/fp32_conv.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { type ConvRecord, conv_geometry_arb, conv_geometry_of, first_diff, lcg, uniform_f32 } from './_arbitraries.js';

const wasm = load_wasm_backend();

/** A conv2d bound to the shared instance, counting calls of the kernels that identify each path. */
function counted(strategy: WasmConvStrategy) {
  const calls = { shifted: 0, im2col: 0, depthwise: 0 };
  const ex = wasm.instance.exports;
  const exports: WasmExports = {
    ...ex,
    conv_shifted_f32: (...a: Parameters<WasmExports['conv_shifted_f32']>) => {
      calls.shifted++;
      ex.conv_shifted_f32(...a);
    },
    im2col_f32_packed: (...a: Parameters<WasmExports['im2col_f32_packed']>) => {
      calls.im2col++;
      ex.im2col_f32_packed(...a);
    },
    depthwise_f32: (...a: Parameters<WasmExports['depthwise_f32']>) => {
      calls.depthwise++;
      ex.depthwise_f32(...a);
    },
  };
  return { conv2d: make_wasm_conv2d({ ...wasm.instance, exports }, strategy), calls };
}

/** A 3×3, stride 1, padding 1 conv of one 4×5 image, one group, with the given fields replaced. */
function geo(over: Partial<ConvRecord>): Conv2dGeometry {
  const base = { batch: 1, groups: 1, cig: 1, cog: 3, in_h: 4, in_w: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 };
  return conv_geometry_of({ ...base, dh: 1, dw: 1, ...over });
}

function max_rel_err(ref: Float32Array, got: Float32Array): number {
  let scale = 1;
  for (const v of ref) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(ref[i] - got[i]));
  return err / scale;
}

function operands(g: Conv2dGeometry, seed: number, with_bias: boolean) {
  const rnd = lcg(seed);
  const x = uniform_f32(g.batch * g.in_channels * g.in_h * g.in_w, rnd);
  const w = uniform_f32(g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w, rnd);
  return { x, w, bias: with_bias ? uniform_f32(g.out_channels, rnd) : null };
}

/** Dense and grouped convs: strides and dilations to 3, padding past the kernel, 1-wide maps, long reductions. */
const dense_geometry = conv_geometry_arb({
  groups: [1, 3],
  cig: [
    [1, 5],
    [30, 40],
  ],
  cog: [1, 9],
  kh: [1, 3],
  kw: [1, 4],
  stride: [1, 3],
  padding: [0, 3],
  dh: [1, 3],
  dw: [1, 2],
  extra_h: [0, 9],
  extra_w: [0, 13],
});

describe('wasm fp32 conv2d strategies', () => {
  const shifted = counted('shifted');
  const im2col = counted('im2col');

  it('shifted planes and im2col agree bit for bit and with js (200 random dense/grouped geometries)', () => {
    fc.assert(
      fc.property(dense_geometry, fc.boolean(), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (g, with_bias, seed) => {
        const { x, w, bias } = operands(g, seed, with_bias);
        const a = shifted.conv2d(x, g, w, bias);
        const b = im2col.conv2d(x, g, w, bias);
        expect(first_diff(b, a)).toBeNull();
        expect(max_rel_err(js_backend.fp32.conv2d(x, g, w, bias), a)).toBeLessThan(1e-4);
      }),
      { numRuns: 200 },
    );
    expect(shifted.calls.shifted).toBeGreaterThan(0);
    expect(shifted.calls.im2col).toBe(0);
    expect(im2col.calls.shifted).toBe(0);
  });

  it('long reductions split into K blocks (k = 40·3·3 = 360 and 300·1·1) stay bit-identical', () => {
    const cases: Conv2dGeometry[] = [
      geo({ cig: 40, cog: 6, in_h: 7, in_w: 9 }),
      geo({ batch: 2, groups: 2, cig: 300, cog: 5, in_h: 3, in_w: 4, kh: 1, kw: 1, sh: 2, ph: 0, pw: 0 }),
    ];
    for (const [i, g] of cases.entries()) {
      const { x, w, bias } = operands(g, 11 + i, true);
      const a = shifted.conv2d(x, g, w, bias);
      expect(first_diff(im2col.conv2d(x, g, w, bias), a)).toBeNull();
      expect(max_rel_err(js_backend.fp32.conv2d(x, g, w, bias), a)).toBeLessThan(1e-4);
    }
  });

  it('auto: shifted up to a 2048 reduction, im2col past it, depthwise for groups = in_channels > 1', () => {
    const auto = counted('auto');
    const run = (g: Conv2dGeometry) => {
      const { x, w, bias } = operands(g, 5, true);
      expect(max_rel_err(js_backend.fp32.conv2d(x, g, w, bias), auto.conv2d(x, g, w, bias))).toBeLessThan(1e-4);
    };
    run(geo({ cig: 1 })); // one input channel: a dense conv, not depthwise
    run(geo({ cig: 227 })); // k = 2043
    expect(auto.calls).toEqual({ shifted: 2, im2col: 0, depthwise: 0 });
    run(geo({ cig: 228 })); // k = 2052
    expect(auto.calls.im2col).toBe(1);
    run(geo({ cig: 1, groups: 4 }));
    expect(auto.calls).toEqual({ shifted: 2, im2col: 1, depthwise: 1 });
  });

  it('steady-state calls do not grow memory', () => {
    const g = geo({ batch: 3, cig: 16, cog: 16, in_h: 28, in_w: 28 });
    const { x, w, bias } = operands(g, 3, true);
    const y = new Float32Array(3 * 16 * 28 * 28);
    wasm.fp32.conv2d(x, g, w, bias, y);
    const bytes = wasm.instance.heap.byte_length;
    for (let i = 0; i < 5; i++) expect(wasm.fp32.conv2d(x, g, w, bias, y)).toBe(y);
    expect(wasm.instance.heap.byte_length).toBe(bytes);
  });
});

describe('wasm fp32 sgemm: the swapped form of A·Bᵀ (m ≥ 4, n > m)', () => {
  it('equals the direct form (Bᵀ given untransposed) bit for bit and js within 1e-4 (100 random cases)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 40 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 0, max: 600 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (m, extra_n, k, with_bias, acc, seed) => {
          const n = m + extra_n;
          const rnd = lcg(seed);
          const a = uniform_f32(m * k, rnd);
          const b = uniform_f32(n * k, rnd);
          const c0 = uniform_f32(m * n, rnd);
          const bias = with_bias ? uniform_f32(n, rnd) : null;
          const bt = new Float32Array(k * n);
          for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) bt[i * n + j] = b[j * k + i];
          const swapped = c0.slice();
          const direct = c0.slice();
          const ref = c0.slice();
          wasm.fp32.sgemm(m, n, k, a, b, swapped, { trans_b: true, bias, accumulate: acc });
          wasm.fp32.sgemm(m, n, k, a, bt, direct, { bias, accumulate: acc });
          js_backend.fp32.sgemm(m, n, k, a, b, ref, { trans_b: true, bias, accumulate: acc });
          expect(first_diff(direct, swapped)).toBeNull();
          expect(max_rel_err(ref, swapped)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 100 },
    );
  });
});
