/**
 * The wasm backend's float transformer kernels against what they stand in for. bmm: the same bits as one sgemm
 * per batch on 1,000 random cases (m under and over sgemm's 4-row GEMV switch, n and k off the 8 / 4 widths),
 * through torch.matmul (broadcast batches and 1-d operands keep the per-batch path). layer_norm: the same bits
 * on 1,000 random cases (row lengths with vector tails, with / without weight and bias, ±0, ±inf, NaN, large
 * offsets). gelu (erf.ts's grid + Taylor erfc in float64, two lanes at a time) and softmax_rows (fdlibm exp in float64, two lanes at a time) against torch.softmax's JS loop:
 * the same bits on 1,000 random cases — row lengths with and without a vector tail, logits spread from 1e-9 to
 * 1e3 (shifted values in every branch of fdlibm's exp: |x| < 2^-28, ≤ 0.5·ln2, < 1.5·ln2, beyond, and below
 * −708 where the lane-by-lane fallback runs), ties, ±0, ±inf, all −inf rows and NaN — and its exp against
 * V8's Math.exp on a million inputs. GELU: the same bits as F.gelu's JS loop on 1,000 random arrays with values
 * from 1e-9 to 40 (the continued fraction beyond |x|·√½ ≥ 6, the 27 cut-off), ±0, ±inf, NaN and vector tails.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { no_grad } from '../../../runtime/autograd/grad_mode.js';
import { set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { layer_norm } from '../../../runtime/nn/functional/normalization.js';
import { matmul } from '../../../runtime/tensor/ops/matmul.js';
import { gelu } from '../../../runtime/tensor/ops/smooth.js';
import { softmax } from '../../../runtime/tensor/ops/softmax.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { lcg } from './_arbitraries.js';

const wasm = load_wasm_backend();
const exp_fdlibm = (wasm as unknown as { instance: { exports: { exp_fdlibm(x: number): number } } }).instance.exports
  .exp_fdlibm;

afterEach(() => set_backend('js'));

function logits(rows: number, n: number, seed: number): Float32Array {
  const rnd = lcg(seed);
  const span = 10 ** (rnd() * 12 - 9);
  const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0];
  const a = new Float32Array(rows * n);
  const all_ninf = rnd() < 0.1 ? Math.floor(rnd() * rows) : -1;
  for (let i = 0; i < a.length; i++) {
    const r = rnd();
    if (Math.floor(i / n) === all_ninf) a[i] = Number.NEGATIVE_INFINITY;
    else if (r < 0.01) a[i] = specials[Math.floor(rnd() * specials.length)];
    else if (r < 0.05 && i > 0) a[i] = a[i - 1];
    else a[i] = (rnd() - 0.5) * span;
  }
  return a;
}

function run(backend: 'js' | 'wasm', x: Tensor): Float32Array {
  set_backend(backend);
  return no_grad(() => softmax(x, -1)).data as Float32Array;
}

describe('wasm softmax_rows = the JS loop, bit for bit', () => {
  it('1,000 random cases', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 67 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (rows, n, seed) => {
          const x = new Tensor(logits(rows, n, seed), [rows, n], 'float32');
          const a = run('js', x);
          const b = run('wasm', x);
          for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect(`${i}: ${b[i]}`).toBe(`${i}: ${a[i]}`);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('fdlibm exp equals Math.exp on 1e6 inputs across its branches', () => {
    const rnd = lcg(7);
    let bad = 0;
    for (let i = 0; i < 1e6; i++) {
      const v = (rnd() - 0.6) * 10 ** (rnd() * 12 - 9) * 1000;
      if (!Object.is(exp_fdlibm(v), Math.exp(v))) bad++;
    }
    for (const v of [0, -0, 1, -1, 709.78, 709.79, -745.13, -745.14, -708.4, Infinity, -Infinity, Number.NaN, 2 ** -29])
      expect(exp_fdlibm(v), String(v)).toBe(Math.exp(v));
    expect(bad).toBe(0);
  });

  it('other dims, log_softmax and the tape keep the JS loop; shapes and grads unchanged', () => {
    const x = new Tensor(logits(3, 5, 11), [3, 5], 'float32');
    set_backend('wasm');
    const y = softmax(x, 0);
    expect(y.shape).toEqual([3, 5]);
    set_backend('js');
    expect([...y.data]).toEqual([...softmax(x, 0).data]);
  });
});

describe('wasm gelu = the JS loop, bit for bit', () => {
  it('1,000 random cases', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 67 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (n, seed) => {
        const rnd = lcg(seed);
        const span = 10 ** (rnd() * 10 - 8.4);
        const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0];
        const v = Float32Array.from({ length: n }, () =>
          rnd() < 0.03 ? specials[Math.floor(rnd() * specials.length)] : (rnd() - 0.5) * 2 * span,
        );
        const x = new Tensor(v, [n], 'float32');
        set_backend('js');
        const a = no_grad(() => gelu(x)).data;
        set_backend('wasm');
        const b = no_grad(() => gelu(x)).data;
        for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) expect(`${v[i]} → ${b[i]}`).toBe(`${v[i]} → ${a[i]}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('the tanh approximation keeps the JS loop', () => {
    const x = new Tensor(Float32Array.of(-3, -0.5, 0, 0.7, 4), [5], 'float32');
    set_backend('wasm');
    const b = no_grad(() => gelu(x, { approximate: 'tanh' })).data;
    set_backend('js');
    expect([...b]).toEqual([...no_grad(() => gelu(x, { approximate: 'tanh' })).data]);
  });
});

describe('wasm layer_norm = the JS loop, bit for bit', () => {
  it('1,000 random cases', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 70 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (rows, d, with_w, with_b, seed) => {
          const rnd = lcg(seed);
          const off = (rnd() - 0.5) * 10 ** (rnd() * 6 - 2);
          const span = 10 ** (rnd() * 6 - 3);
          const specials = [Number.NaN, Number.POSITIVE_INFINITY, 0, -0];
          const v = Float32Array.from({ length: rows * d }, () =>
            rnd() < 0.01 ? specials[Math.floor(rnd() * specials.length)] : off + (rnd() - 0.5) * span,
          );
          const x = new Tensor(v, [rows, d], 'float32');
          const vec = () =>
            new Tensor(
              Float32Array.from({ length: d }, () => (rnd() < 0.05 ? -0 : rnd() * 4 - 2)),
              [d],
              'float32',
            );
          const options = {
            weight: with_w ? vec() : null,
            bias: with_b ? vec() : null,
            eps: rnd() < 0.5 ? 1e-5 : 1e-6,
          };
          set_backend('js');
          const a = no_grad(() => layer_norm(x, [d], options)).data;
          set_backend('wasm');
          const b = no_grad(() => layer_norm(x, [d], options)).data;
          for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect(`${i}: ${b[i]}`).toBe(`${i}: ${a[i]}`);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('with a recorded tape the JS loop runs (statistics for the backward), same values', () => {
    const x = new Tensor(Float32Array.of(1, 2, 4, -1, 0.5, 3), [2, 3], 'float32');
    x.requires_grad = true;
    set_backend('wasm');
    const y = layer_norm(x, [3]);
    expect(y.requires_grad).toBe(true);
    set_backend('js');
    expect([...y.data]).toEqual([...no_grad(() => layer_norm(x, [3])).data]);
  });
});

describe('wasm bmm = one sgemm per batch, bit for bit', () => {
  it('1,000 random cases through torch.matmul', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 19 }),
        fc.integer({ min: 1, max: 21 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (nb, m, n, k, seed) => {
          const rnd = lcg(seed);
          const a = new Tensor(
            Float32Array.from({ length: nb * m * k }, () => rnd() * 4 - 2),
            [nb, m, k],
            'float32',
          );
          const b = new Tensor(
            Float32Array.from({ length: nb * k * n }, () => rnd() * 4 - 2),
            [nb, k, n],
            'float32',
          );
          set_backend('wasm');
          const got = no_grad(() => matmul(a, b)).data;
          const per_batch = new Float32Array(nb * m * n);
          for (let i = 0; i < nb; i++)
            wasm.fp32.sgemm(
              m,
              n,
              k,
              (a.data as Float32Array).subarray(i * m * k, (i + 1) * m * k),
              (b.data as Float32Array).subarray(i * k * n, (i + 1) * k * n),
              per_batch.subarray(i * m * n, (i + 1) * m * n),
            );
          for (let i = 0; i < got.length; i++)
            if (!Object.is(got[i], per_batch[i])) expect(`${i}: ${got[i]}`).toBe(`${i}: ${per_batch[i]}`);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects operands of the wrong size', () => {
    const bmm = wasm.fp32.bmm as NonNullable<typeof wasm.fp32.bmm>;
    expect(() => bmm(2, 2, 2, 2, new Float32Array(7), new Float32Array(8), new Float32Array(8))).toThrow(
      /wasm\.bmm: A, B, C have 7, 8, 8 elements/,
    );
  });
});
