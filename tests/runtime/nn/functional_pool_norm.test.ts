import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../index.js';
import { arange, F, Generator, gradcheck, manual_seed, randn, tensor } from '../../../index.js';

function rnd(shape: number[], seed: number, requires_grad = false): Tensor {
  const t = randn(shape, { generator: new Generator(seed) });
  t.requires_grad = requires_grad;
  return t;
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(tol);
}

describe('pooling', () => {
  const x = arange(16, undefined, 1, { dtype: 'float32' }).reshape(1, 1, 4, 4);

  it('max_pool2d picks window maxima (with indices) and handles padding and ceil_mode', () => {
    expect([...F.max_pool2d(x, 2).data]).toEqual([5, 7, 13, 15]);
    const [v, idx] = F.max_pool2d(x, 2, { return_indices: true });
    expect([...v.data]).toEqual([5, 7, 13, 15]);
    expect([...idx.data]).toEqual([5, 7, 13, 15]);
    expect(idx.dtype).toBe('int64');
    // padding 1, stride 2: windows start at -1, 1, 3
    expect([...F.max_pool2d(x, 3, { stride: 2, padding: 1 }).data]).toEqual([5, 7, 13, 15]);
    // 5x5 input, k=2: floor gives 2x2, ceil gives 3x3 (last window starts inside the input)
    const x5 = arange(25, undefined, 1, { dtype: 'float32' }).reshape(1, 1, 5, 5);
    expect(F.max_pool2d(x5, 2).shape).toEqual([1, 1, 2, 2]);
    expect([...F.max_pool2d(x5, 2, { ceil_mode: true }).data]).toEqual([6, 8, 9, 16, 18, 19, 21, 23, 24]);
  });

  it('avg_pool2d follows count_include_pad and divisor_override as torch', () => {
    expect([...F.avg_pool2d(x, 2).data]).toEqual([2.5, 4.5, 10.5, 12.5]);
    // corner window with padding 1 covers x[0,0]=0 only, plus 3 padded zeros
    const inc = F.avg_pool2d(x, 2, { padding: 1 });
    expect(inc.shape).toEqual([1, 1, 3, 3]);
    expect(inc.data[0]).toBeCloseTo(0 / 4);
    expect(inc.data[1]).toBeCloseTo((1 + 2) / 4);
    const exc = F.avg_pool2d(x, 2, { padding: 1, count_include_pad: false });
    expect(exc.data[1]).toBeCloseTo((1 + 2) / 2);
    expect(F.avg_pool2d(x, 2, { divisor_override: 1 }).data[0]).toBe(0 + 1 + 4 + 5);
  });

  it('adaptive_avg_pool2d uses floor/ceil windows (overlapping for 5 → 3)', () => {
    expect([...F.adaptive_avg_pool2d(x, 1).data]).toEqual([7.5]);
    const x5 = arange(5, undefined, 1, { dtype: 'float32' }).reshape(1, 1, 1, 5);
    // windows [0,2), [1,4), [3,5)
    close(F.adaptive_avg_pool2d(x5, [1, 3]).data, [0.5, 2, 3.5]);
    expect(F.adaptive_avg_pool2d(x5, [null, 2]).shape).toEqual([1, 1, 1, 2]);
  });

  it('pools pass gradcheck', () => {
    const a = rnd([2, 2, 5, 5], 3, true);
    expect(gradcheck((t) => F.max_pool2d(t, 2), [a])).toBe(true);
    expect(gradcheck((t) => F.max_pool2d(t, 3, { stride: 2, padding: 1, dilation: 1, ceil_mode: true }), [a])).toBe(
      true,
    );
    expect(gradcheck((t) => F.avg_pool2d(t, 3, { stride: 2, padding: 1, count_include_pad: false }), [a])).toBe(true);
    expect(gradcheck((t) => F.adaptive_avg_pool2d(t, [3, 2]), [a])).toBe(true);
  });

  it('max_pool2d on a quantized tensor keeps the integer values and qparams', () => {
    const q = tensor(
      [
        [
          [
            [3, 9],
            [200, 4],
          ],
        ],
      ],
      { dtype: 'quint8' },
    );
    q.quantizer = { kind: 'per_tensor', scale: 0.5, zero_point: 10 };
    const y = F.max_pool2d(q, 2);
    expect([...y.data]).toEqual([200]);
    expect(y.dtype).toBe('quint8');
    expect(y.q_scale()).toBe(0.5);
  });

  it('rejects a 2-d input', () => {
    expect(() => F.max_pool2d(rnd([4, 4], 1), 2)).toThrow(
      'F.max_pool2d: expected a [N, C, H, W] or [C, H, W] input, got shape [4, 4]',
    );
  });
});

describe('batch_norm', () => {
  it('training: normalises with biased batch stats, updates running stats with the unbiased variance', () => {
    const x = tensor([
      [[[1, 3]], [[0, 0]]],
      [[[5, 7]], [[2, 2]]],
    ]); // [2, 2, 1, 2]
    const rm = tensor([0, 0]);
    const rv = tensor([1, 1]);
    const y = F.batch_norm(x, rm, rv, { training: true, momentum: 0.1, eps: 0 });
    // channel 0: values 1,3,5,7 → mean 4, biased var 5, unbiased 20/3
    const s = Math.sqrt(5);
    close([y.data[0], y.data[1], y.data[4], y.data[5]], [-3 / s, -1 / s, 1 / s, 3 / s]);
    close(rm.data, [0.4, 0.1]);
    close(rv.data, [0.9 + 0.1 * (20 / 3), 0.9 + 0.1 * (4 / 3)]);
  });

  it('eval: uses the running stats and affine params', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    const y = F.batch_norm(x, tensor([1, 2]), tensor([4, 1]), { weight: tensor([2, 1]), bias: tensor([0, 1]), eps: 0 });
    close(y.data, [0, 1, 2, 3]);
  });

  it('passes gradcheck in training mode (input, weight, bias) and in eval mode', () => {
    const x = rnd([3, 2, 2, 2], 5, true);
    const w = rnd([2], 6, true);
    const b = rnd([2], 7, true);
    expect(
      gradcheck((a, ww, bb) => F.batch_norm(a, null, null, { weight: ww, bias: bb, training: true }), [x, w, b]),
    ).toBe(true);
    expect(
      gradcheck(
        (a, ww, bb) => F.batch_norm(a, tensor([0.1, -0.2]), tensor([0.5, 2]), { weight: ww, bias: bb }),
        [x, w, b],
      ),
    ).toBe(true);
  });

  it('refuses one value per channel when training', () => {
    expect(() => F.batch_norm(rnd([1, 3], 1), null, null, { training: true })).toThrow(/more than 1 value per channel/);
  });
});

describe('layer_norm', () => {
  it('normalises over the trailing dims and passes gradcheck', () => {
    const x = tensor([[1, 2, 3, 4]]);
    const y = F.layer_norm(x, [4], { eps: 0 });
    const s = Math.sqrt(1.25);
    close(y.data, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
    const a = rnd([2, 3, 4], 8, true);
    const w = rnd([3, 4], 9, true);
    const b = rnd([3, 4], 10, true);
    expect(gradcheck((t, ww, bb) => F.layer_norm(t, [3, 4], { weight: ww, bias: bb }), [a, w, b])).toBe(true);
    expect(() => F.layer_norm(a, [5])).toThrow(
      'F.layer_norm: normalized_shape [5] does not match the trailing dims of input [2, 3, 4]',
    );
  });
});

describe('dropout, embedding, pad', () => {
  it('dropout is seeded by the default generator, scales by 1/(1-p), identity in eval', () => {
    const x = rnd([1000], 1);
    manual_seed(7);
    const a = F.dropout(x, { p: 0.3 });
    manual_seed(7);
    const b = F.dropout(x, { p: 0.3 });
    expect([...a.data]).toEqual([...b.data]);
    let zeros = 0;
    a.data.forEach((v, i) => {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(x.data[i] / 0.7, 5);
    });
    expect(zeros).toBeGreaterThan(230);
    expect(zeros).toBeLessThan(370);
    expect(F.dropout(x, { p: 0.3, training: false })).toBe(x);
    expect(() => F.dropout(x, { p: 1.5 })).toThrow(/between 0 and 1/);
  });

  it('embedding gathers rows; the gradient scatter-adds and skips padding_idx', () => {
    const w = tensor(
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
      { requires_grad: true },
    );
    const idx = tensor(
      [
        [2, 0],
        [2, 1],
      ],
      { dtype: 'int64' },
    );
    const y = F.embedding(idx, w, { padding_idx: 1 });
    expect(y.shape).toEqual([2, 2, 2]);
    expect([...y.data]).toEqual([4, 5, 0, 1, 4, 5, 2, 3]);
    y.sum().backward();
    expect([...(w.grad?.data ?? [])]).toEqual([1, 1, 0, 0, 2, 2]);
    expect(() => F.embedding(tensor([3], { dtype: 'int64' }), w)).toThrow(
      /index 3 at flat position 0 is out of range for 3/,
    );
    const w2 = rnd([4, 3], 3, true);
    expect(gradcheck((t) => F.embedding(tensor([[0, 3, 3]], { dtype: 'int64' }), t), [w2])).toBe(true);
  });

  it('pad adds constants around the trailing dims and crops with negative amounts', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect([...F.pad(x, [1, 0], { value: 9 }).data]).toEqual([9, 1, 2, 9, 3, 4]);
    expect(F.pad(x, [0, 1, 1, 1]).shape).toEqual([4, 3]);
    expect([...F.pad(x, [-1, 0]).data]).toEqual([2, 4]);
    expect(gradcheck((t) => F.pad(t, [1, -1, 2, 0]), [rnd([2, 3], 4, true)])).toBe(true);
  });
});

describe('activations (F.* wrap the plain tensor ops)', () => {
  it('compute torch values and pass gradcheck', () => {
    const x = tensor([-4, -2, -0.5, 0.5, 2, 4, 7]);
    close(F.relu6(x).data, [0, 0, 0, 0.5, 2, 4, 6]);
    close(F.hardtanh(x, { min_val: -1, max_val: 3 }).data, [-1, -1, -0.5, 0.5, 2, 3, 3]);
    close(
      F.hardswish(x).data,
      x.data.map((v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6),
    );
    close(
      F.leaky_relu(x, { negative_slope: 0.2 }).data,
      x.data.map((v) => (v > 0 ? v : 0.2 * v)),
    );
    close(F.gelu(tensor([1])).data, [0.8413447460685429]);
    close(F.softmax(tensor([[1, 2, 3]]), 1).data, [0.09003057, 0.24472847, 0.66524096]);
    const a = rnd([3, 4], 5, true);
    const fns: ((t: Tensor) => Tensor)[] = [
      (t) => F.sigmoid(t),
      (t) => F.tanh(t),
      (t) => F.silu(t),
      (t) => F.gelu(t, { approximate: 'tanh' }),
      (t) => F.log_softmax(t, -1),
    ];
    for (const f of fns) {
      expect(gradcheck(f, [a])).toBe(true);
    }
  });
});
