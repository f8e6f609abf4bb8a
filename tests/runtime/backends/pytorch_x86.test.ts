/** The PyTorch-rounding float kernels (set_fp32_numerics('pytorch_x86')): fma, summation orders, routing. */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { set_fp32_numerics } from '../../../runtime/backends/fp32_numerics.js';
import { conv2d_pytorch_x86, fma_f32, linear_pytorch_x86 } from '../../../runtime/backends/js/fp32/pytorch_x86.js';
import { get_backend, get_fp32_numerics } from '../../../runtime/backends/registry.js';
import type { Conv2dGeometry } from '../../../runtime/backends/types.js';
import * as F from '../../../runtime/nn/functional/index.js';
import { Generator } from '../../../runtime/tensor/random.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';

const f = Math.fround;

/** A finite float as an exact rational m·2^e (BigInt m). */
function decompose(v: number): [bigint, number] {
  if (v === 0) return [0n, 0];
  let e = 0;
  let m = v;
  while (!Number.isInteger(m)) {
    m *= 2;
    e--;
  }
  return [BigInt(m), e];
}

/** a·b + c rounded once to float32 (round half to even), computed exactly with BigInt. */
function exact_fma(a: number, b: number, c: number): number {
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const e = Math.min(ea + eb, ec);
  const sum = ma * mb * 2n ** BigInt(ea + eb - e) + mc * 2n ** BigInt(ec - e);
  if (sum === 0n) return 0;
  const neg = sum < 0n;
  const mag = neg ? -sum : sum;
  let exp = e;
  // keep 24 significant bits (normal range only; the test data stays there)
  const bits = mag.toString(2).length;
  let result: bigint;
  if (bits <= 24) result = mag;
  else {
    const drop = BigInt(bits - 24);
    const q = mag >> drop;
    const rem = mag - (q << drop);
    const half = 1n << (drop - 1n);
    result = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
    exp += bits - 24;
  }
  const v = Number(result) * 2 ** exp;
  return neg ? -v : v;
}

describe('fma_f32', () => {
  it('rounds once: the float64 sum’s tie is resolved the way a hardware fma does', () => {
    // a·b = 1 − 2⁻⁴⁶, c = 2²⁴ + 2: the float64 sum rounds up to the midpoint 2²⁴ + 3, which rounds to even
    // (2²⁴ + 4), while the exact value lies below the midpoint (→ 2²⁴ + 2)
    const a = f(1 + 2 ** -23);
    const b = f(1 - 2 ** -23);
    const c = 2 ** 24 + 2;
    expect(f(a * b + c)).toBe(2 ** 24 + 4);
    expect(fma_f32(a, b, c)).toBe(2 ** 24 + 2);
    expect(exact_fma(a, b, c)).toBe(2 ** 24 + 2);
  });

  it('equals exact rounding on random float32 triples', () => {
    const float = fc
      .float({ min: f(-1e4), max: f(1e4), noDefaultInfinity: true, noNaN: true })
      .filter((v) => v === 0 || Math.abs(v) > 1e-12);
    fc.assert(
      fc.property(float, float, float, (a, b, c) => {
        expect(fma_f32(a, b, c)).toBe(exact_fma(a, b, c));
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
});

/** The documented order, written per output: bias, then per 8-channel block (all channels when < 8):
 * kh, kw, channel — fma each (1x1 convs included: one chain over the channels). */
function reference_conv(x: Float32Array, g: Conv2dGeometry, w: Float32Array, bias: Float32Array | null) {
  const oh = Math.floor((g.in_h + 2 * g.padding[0] - g.dilation[0] * (g.kernel_h - 1) - 1) / g.stride[0]) + 1;
  const ow = Math.floor((g.in_w + 2 * g.padding[1] - g.dilation[1] * (g.kernel_w - 1) - 1) / g.stride[1]) + 1;
  const cg = g.in_channels / g.groups;
  const og = g.out_channels / g.groups;
  const y = new Float32Array(g.batch * g.out_channels * oh * ow);
  const at = (n: number, c: number, yy: number, xx: number) => x[((n * g.in_channels + c) * g.in_h + yy) * g.in_w + xx];
  for (let n = 0; n < g.batch; n++)
    for (let oc = 0; oc < g.out_channels; oc++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const c_base = Math.floor(oc / og) * cg;
          const b0 = bias ? bias[oc] : 0;
          let acc = b0;
          const blk = Math.min(cg, 8);
          for (let c0 = 0; c0 < cg; c0 += blk)
            for (let ky = 0; ky < g.kernel_h; ky++)
              for (let kx = 0; kx < g.kernel_w; kx++)
                for (let c = c0; c < Math.min(cg, c0 + blk); c++) {
                  const yy = oy * g.stride[0] - g.padding[0] + ky * g.dilation[0];
                  const xx = ox * g.stride[1] - g.padding[1] + kx * g.dilation[1];
                  if (yy < 0 || yy >= g.in_h || xx < 0 || xx >= g.in_w) continue;
                  acc = fma_f32(at(n, c_base + c, yy, xx), w[((oc * cg + c) * g.kernel_h + ky) * g.kernel_w + kx], acc);
                }
          y[((n * g.out_channels + oc) * oh + oy) * ow + ox] = acc;
        }
  return y;
}

describe('conv2d_pytorch_x86 / linear_pytorch_x86', () => {
  it('follow the documented summation order bit for bit on random geometries', () => {
    const gen = new Generator(3);
    const shapes: Partial<Conv2dGeometry>[] = [
      { in_channels: 1, out_channels: 8, kernel_h: 3, kernel_w: 3, padding: [1, 1] },
      { in_channels: 20, out_channels: 8, kernel_h: 3, kernel_w: 3, padding: [1, 1], stride: [2, 2] },
      { in_channels: 32, out_channels: 16, kernel_h: 1, kernel_w: 1, padding: [0, 0], stride: [2, 2] },
      { in_channels: 56, out_channels: 8, kernel_h: 1, kernel_w: 1, padding: [0, 0] },
      { in_channels: 8, out_channels: 8, kernel_h: 3, kernel_w: 2, padding: [2, 0], dilation: [2, 1], groups: 2 },
    ];
    for (const s of shapes) {
      const g: Conv2dGeometry = {
        batch: 2,
        in_h: 7,
        in_w: 6,
        stride: [1, 1],
        dilation: [1, 1],
        groups: 1,
        ...s,
      } as Conv2dGeometry;
      const x = Float32Array.from({ length: g.batch * g.in_channels * g.in_h * g.in_w }, () => gen.normal());
      const w = Float32Array.from(
        { length: g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w },
        () => gen.normal(),
      );
      const b = Float32Array.from({ length: g.out_channels }, () => gen.normal());
      expect([...conv2d_pytorch_x86(x, g, w, b)], JSON.stringify(s)).toEqual([...reference_conv(x, g, w, b)]);
    }
    // small product (m·n·k ≤ 100³, OpenBLAS's generic small-matrix kernel): Σ fl(x·w) in k order, then + bias
    const x = Float32Array.from({ length: 3 * 40 }, () => gen.normal());
    const w = Float32Array.from({ length: 5 * 40 }, () => gen.normal());
    const b = Float32Array.from({ length: 5 }, () => gen.normal());
    const y = new Float32Array(15);
    linear_pytorch_x86(3, 5, 40, x, w, y, b);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 5; j++) {
        let acc = 0;
        for (let k = 0; k < 40; k++) acc = f(acc + f(x[i * 40 + k] * w[j * 40 + k]));
        expect(y[i * 5 + j]).toBe(f(b[j] + acc));
      }
  });

  it('linear above the small-matrix size follows OpenBLAS sgemm: K steps, fma chains, two accumulators in m8n4', () => {
    // 12 × 16 × 5300: two threads (rows 0-7 / 8-15 of C = out features), K steps 320×15, 250, 250 (the rest
    // above GEMM_Q halved); batch columns 0-7 reach the m8n4 kernel (even/odd-k accumulators, pairs only while
    // 8 or more k remain in the step), columns 8-11 the single-chain m8n2
    const gen = new Generator(5);
    const [m, n, k] = [12, 16, 5300];
    const x = Float32Array.from({ length: m * k }, () => gen.normal());
    const w = Float32Array.from({ length: n * k }, () => gen.normal());
    const b = Float32Array.from({ length: n }, () => gen.normal());
    const y = new Float32Array(m * n);
    linear_pytorch_x86(m, n, k, x, w, y, b);
    const steps = [...Array(15).fill(320), 250, 250];
    let two_differs = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let c = b[j];
        let single_c = b[j];
        let k0 = 0;
        for (const len of steps) {
          let even = 0;
          let odd = 0;
          let chain = 0;
          for (let t = 0; t < len; t++) {
            const p = [x[i * k + k0 + t], w[j * k + k0 + t]] as const;
            if (t < len - (len % 8) && t % 2 === 1) odd = fma_f32(p[0], p[1], odd);
            else even = fma_f32(p[0], p[1], even);
            chain = fma_f32(p[0], p[1], chain);
          }
          c = f(c + (i < 8 ? f(even + odd) : chain));
          single_c = f(single_c + chain);
          k0 += len;
        }
        expect(y[i * n + j], `${i},${j}`).toBe(c);
        if (c !== single_c) two_differs++;
      }
    expect(two_differs).toBeGreaterThan(0); // the two-accumulator order is really exercised
  });
});

describe('set_fp32_numerics', () => {
  afterEach(() => set_fp32_numerics('fast'));

  it('routes F.conv2d and F.linear through the PyTorch-rounding kernels while on, and back when off', () => {
    const gen = new Generator(9);
    const x = new Tensor(
      Float32Array.from({ length: 2 * 16 * 25 }, () => gen.normal()),
      [2, 16, 5, 5],
      'float32',
    );
    const w = new Tensor(
      Float32Array.from({ length: 4 * 16 * 9 }, () => gen.normal()),
      [4, 16, 3, 3],
      'float32',
    );
    const fast = F.conv2d(x, w, null, { padding: 1 });
    set_fp32_numerics('pytorch_x86');
    expect(get_fp32_numerics()).toBe('pytorch_x86');
    expect(get_backend().fp32.name).toContain('pytorch_x86');
    const torchlike = F.conv2d(x, w, null, { padding: 1 });
    const g: Conv2dGeometry = {
      batch: 2,
      in_channels: 16,
      in_h: 5,
      in_w: 5,
      out_channels: 4,
      kernel_h: 3,
      kernel_w: 3,
      stride: [1, 1],
      padding: [1, 1],
      dilation: [1, 1],
      groups: 1,
    };
    expect([...torchlike.data]).toEqual([...reference_conv(x.data as Float32Array, g, w.data as Float32Array, null)]);
    set_fp32_numerics('fast');
    expect([...F.conv2d(x, w, null, { padding: 1 }).data]).toEqual([...fast.data]);
  });

  it('makes F.adaptive_avg_pool2d to 1x1 round as torch.mean (8-lane float32 sum, then / h·w)', () => {
    // plane of 4x4: lane 0 holds 2^24 and 1 (the 1 rounds away), lane 1 holds 1 and 1
    const plane = new Float32Array(16);
    plane[0] = 2 ** 24;
    plane[8] = 1;
    plane[1] = 1;
    plane[9] = 1;
    const x = new Tensor(plane, [1, 1, 4, 4], 'float32');
    expect(F.adaptive_avg_pool2d(x, 1).data[0]).toBe(2 ** 20 + 0.25); // (2^24 + 3) / 16, rounded to even
    set_fp32_numerics('pytorch_x86');
    expect(F.adaptive_avg_pool2d(x, 1).data[0]).toBe(2 ** 20 + 0.125); // (2^24 + 2) / 16
    expect(F.adaptive_avg_pool2d(x, 2).data[0]).toBe(Math.fround((2 ** 24 + 1) / 4)); // other sizes: unchanged
  });

  it('rejects an unknown mode, naming the ones it has', () => {
    expect(() => set_fp32_numerics('exact' as 'fast')).toThrow(/unknown mode 'exact'.*'fast', 'pytorch_x86'/);
  });
});
