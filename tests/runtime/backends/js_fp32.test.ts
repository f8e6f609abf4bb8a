import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { col2im, conv2d, im2col, js_fp32, sgemm } from '../../../runtime/backends/js/fp32.js';
import type { Conv2dGeometry } from '../../../runtime/backends/types.js';
import { conv_geometry_of, lcg, uniform_f32 } from './_arbitraries.js';

/** A reproducible float32 array in [−1, 1) for `seed` (without touching the global generator). */
function rand_array(n: number, seed: number): Float32Array {
  return uniform_f32(n, lcg(seed));
}

function naive_gemm(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  ta: boolean,
  tb: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

/** The textbook 7-loop convolution, independent of im2col. */
function naive_conv(x: Float32Array, g: Conv2dGeometry, w: Float32Array, bias: Float32Array | null): Float64Array {
  const oh = Math.floor((g.in_h + 2 * g.padding[0] - g.dilation[0] * (g.kernel_h - 1) - 1) / g.stride[0]) + 1;
  const ow = Math.floor((g.in_w + 2 * g.padding[1] - g.dilation[1] * (g.kernel_w - 1) - 1) / g.stride[1]) + 1;
  const cg = g.in_channels / g.groups;
  const og = g.out_channels / g.groups;
  const y = new Float64Array(g.batch * g.out_channels * oh * ow);
  for (let n = 0; n < g.batch; n++)
    for (let oc = 0; oc < g.out_channels; oc++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let s = bias ? bias[oc] : 0;
          const grp = Math.floor(oc / og);
          for (let c = 0; c < cg; c++)
            for (let i = 0; i < g.kernel_h; i++)
              for (let j = 0; j < g.kernel_w; j++) {
                const iy = oy * g.stride[0] + i * g.dilation[0] - g.padding[0];
                const ix = ox * g.stride[1] + j * g.dilation[1] - g.padding[1];
                if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
                const xv = x[((n * g.in_channels + grp * cg + c) * g.in_h + iy) * g.in_w + ix];
                s += xv * w[((oc * cg + c) * g.kernel_h + i) * g.kernel_w + j];
              }
          y[((n * g.out_channels + oc) * oh + oy) * ow + ox] = s;
        }
  return y;
}

function expect_close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol * (1 + Math.abs(want[i]))) {
      throw new Error(`index ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
}

describe('js fp32 sgemm', () => {
  it('matches a naive GEMM for every transpose combination, bias and accumulate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 1e6 }),
        (m, n, k, ta, tb, use_bias, acc, seed) => {
          const a = rand_array(m * k, seed);
          const b = rand_array(k * n, seed + 1);
          const bias = use_bias ? rand_array(n, seed + 2) : null;
          const c0 = rand_array(m * n, seed + 3);
          const c = Float32Array.from(c0);
          sgemm(m, n, k, a, b, c, { trans_a: ta, trans_b: tb, bias, accumulate: acc });
          const want = naive_gemm(m, n, k, a, b, ta, tb);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) want[i * n + j] += (bias ? bias[j] : 0) + (acc ? c0[i * n + j] : 0);
          expect_close(c, want, 1e-5);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the few-rows path (m < 4: batch-1 Linear, RNN steps) matches too', () => {
    for (const m of [1, 2, 3])
      for (const tb of [false, true])
        for (const [k, n] of [
          [1, 5],
          [7, 9],
          [130, 33],
        ]) {
          const a = rand_array(m * k, m + k);
          const b = rand_array(k * n, n + 1);
          const bias = rand_array(n, 3);
          const c0 = rand_array(m * n, 4);
          const c = Float32Array.from(c0);
          sgemm(m, n, k, a, b, c, { trans_b: tb, bias, accumulate: true });
          const want = naive_gemm(m, n, k, a, b, false, tb);
          for (let i = 0; i < m * n; i++) want[i] += bias[i % n] + c0[i];
          expect_close(c, want, 1e-5);
        }
  });

  it('spans several K, M and N blocks (600 x 530 x 700)', () => {
    const [m, n, k] = [600, 530, 700];
    const a = rand_array(m * k, 7);
    const b = rand_array(k * n, 8);
    const c = new Float32Array(m * n);
    sgemm(m, n, k, a, b, c);
    // spot-check rows in every M block against a float64 dot product
    for (const i of [0, 63, 64, 300, 599])
      for (const j of [0, 3, 511, 512, 529]) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
        expect(Math.abs(c[i * n + j] - s)).toBeLessThan(1e-3);
      }
  });

  it('rejects buffers that are too small, naming the operand', () => {
    expect(() => sgemm(2, 2, 2, new Float32Array(3), new Float32Array(4), new Float32Array(4))).toThrow(
      /sgemm: A has 3/,
    );
  });
});

describe('js fp32 conv2d', () => {
  const geometry = fc
    .record({
      batch: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 3 }),
      cig: fc.integer({ min: 1, max: 3 }),
      cog: fc.integer({ min: 1, max: 3 }),
      in_h: fc.integer({ min: 1, max: 9 }),
      in_w: fc.integer({ min: 1, max: 9 }),
      kh: fc.integer({ min: 1, max: 4 }),
      kw: fc.integer({ min: 1, max: 4 }),
      sh: fc.integer({ min: 1, max: 3 }),
      sw: fc.integer({ min: 1, max: 3 }),
      ph: fc.integer({ min: 0, max: 2 }),
      pw: fc.integer({ min: 0, max: 2 }),
      dh: fc.integer({ min: 1, max: 2 }),
      dw: fc.integer({ min: 1, max: 2 }),
      bias: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1e6 }),
    })
    .filter((r) => r.in_h + 2 * r.ph >= r.dh * (r.kh - 1) + 1 && r.in_w + 2 * r.pw >= r.dw * (r.kw - 1) + 1);

  it('im2col + sgemm (and the depthwise path) equal a naive 7-loop convolution', () => {
    fc.assert(
      fc.property(geometry, (r) => {
        const g = conv_geometry_of(r);
        const x = rand_array(g.batch * g.in_channels * g.in_h * g.in_w, r.seed);
        const w = rand_array(g.out_channels * r.cig * g.kernel_h * g.kernel_w, r.seed + 1);
        const bias = r.bias ? rand_array(g.out_channels, r.seed + 2) : null;
        expect_close(js_fp32.conv2d(x, g, w, bias), naive_conv(x, g, w, bias), 1e-5);
      }),
      { numRuns: 150 },
    );
  });

  it('col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>', () => {
    const geo = {
      channels: 2,
      in_h: 5,
      in_w: 6,
      kernel_h: 3,
      kernel_w: 2,
      stride: [2, 1] as [number, number],
      padding: [1, 1] as [number, number],
      dilation: [1, 2] as [number, number],
      out_h: 3,
      out_w: 5,
    };
    const x = rand_array(2 * 5 * 6, 3);
    const col = new Float32Array(2 * 3 * 2 * 3 * 5);
    im2col(x, 0, geo, col);
    const c = rand_array(col.length, 4);
    const back = new Float32Array(x.length);
    col2im(c, geo, back, 0);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < col.length; i++) lhs += col[i] * c[i];
    for (let i = 0; i < x.length; i++) rhs += x[i] * back[i];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4);
  });

  it('rejects a geometry whose channels do not divide by groups', () => {
    const g: Conv2dGeometry = {
      batch: 1,
      in_channels: 3,
      in_h: 4,
      in_w: 4,
      out_channels: 4,
      kernel_h: 1,
      kernel_w: 1,
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 1],
      groups: 2,
    };
    expect(() => conv2d(new Float32Array(48), g, new Float32Array(8), null)).toThrow(/divisible by groups \(2\)/);
  });
});
