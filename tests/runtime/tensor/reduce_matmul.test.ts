import { describe, expect, it } from 'vitest';
import {
  arange,
  argmax,
  argmin,
  gradcheck,
  matmul,
  max,
  mean,
  min,
  mm,
  std,
  sum,
  type Tensor,
  tensor,
  var as variance,
} from '../../../index.js';

const vals = (t: Tensor) => [...t.data];
const r6 = (a: number[]) => a.map((v) => Math.round(v * 1e5) / 1e5);

function rnd(shape: number[], seed = 0): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.sin(i * 2.3 + 0.7 + seed) * 1.5;
  return tensor(d, { shape, requires_grad: true });
}

describe('reductions', () => {
  const x = arange(24, undefined, 1, { dtype: 'float32' }).reshape(2, 3, 4);

  it('sum / mean over dims with keepdim', () => {
    expect(vals(sum(x))).toEqual([276]);
    expect(sum(x).shape).toEqual([]);
    expect(vals(x.sum(1))).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
    expect(x.sum(1, true).shape).toEqual([2, 1, 4]);
    expect(vals(x.sum([0, 2]))).toEqual([60, 92, 124]);
    expect(vals(x.sum(-1))).toEqual([6, 22, 38, 54, 70, 86]);
    expect(vals(mean(x, [0, 2], true))).toEqual([7.5, 11.5, 15.5]);
    expect(x.mean([0, 2], true).shape).toEqual([1, 3, 1]);
    expect(tensor([1, 2], { dtype: 'int32' }).sum().dtype).toBe('int64');
    expect(() => tensor([1, 2], { dtype: 'int32' }).mean()).toThrow(/mean: could not infer output dtype/);
    expect(() => x.sum(3)).toThrow(/sum: dimension out of range/);
    expect(() => x.sum([1, -2])).toThrow(/sum: dim 1 appears multiple times/);
  });

  it('var / std with correction', () => {
    const v = tensor([
      [1, 2, 3, 4],
      [2, 2, 2, 2],
    ]);
    expect(r6(vals(variance(v, 1)))).toEqual([1.66667, 0]);
    expect(r6(vals(v.var(1, { correction: 0 })))).toEqual([1.25, 0]);
    expect(r6(vals(v.var(null, { unbiased: false })))).toEqual([0.6875]);
    expect(r6(vals(std(v, 1, { keepdim: true })))).toEqual([1.29099, 0]);
  });

  it('max / min / argmax / argmin', () => {
    const y = tensor([
      [3, 7, 7],
      [9, -1, 2],
    ]);
    expect(vals(max(y))).toEqual([9]);
    expect(vals(min(y))).toEqual([-1]);
    const [mv, mi] = y.max(1);
    expect(vals(mv)).toEqual([7, 9]);
    expect(vals(mi)).toEqual([1, 0]);
    expect(mi.dtype).toBe('int64');
    const [nv, ni] = y.min(0, true);
    expect(nv.shape).toEqual([1, 3]);
    expect(vals(nv)).toEqual([3, -1, 2]);
    expect(vals(ni)).toEqual([0, 1, 1]);
    expect(vals(argmax(y))).toEqual([3]);
    expect(vals(argmax(y, 1))).toEqual([1, 0]);
    expect(vals(argmin(y, 0))).toEqual([0, 1, 1]);
    expect(vals(y.argmin())).toEqual([4]);
    expect(vals(max(tensor([1, NaN, 3])))).toEqual([NaN]);
  });

  it('gradients of sum, mean, var, std, max, min', () => {
    gradcheck((a) => sum(a), [rnd([2, 3, 4])]);
    gradcheck((a) => a.sum([0, 2], true), [rnd([2, 3, 4])]);
    gradcheck((a) => a.sum(1), [rnd([2, 3, 4])]);
    gradcheck((a) => a.mean([1]), [rnd([2, 3, 4])]);
    gradcheck((a) => a.mean(), [rnd([2, 3])]);
    gradcheck((a) => variance(a, 1), [rnd([3, 5])]);
    gradcheck((a) => std(a, [0, 1]), [rnd([3, 5])]);
    gradcheck((a) => a.max(1)[0], [rnd([3, 5])]);
    gradcheck((a) => a.min(0, true)[0], [rnd([3, 5])]);
    gradcheck((a) => max(a), [rnd([3, 5])]);
    // ties share the gradient evenly in the full reduction, as torch
    const t = tensor([2, 5, 5], { requires_grad: true });
    max(t).backward();
    expect(vals(t.grad as Tensor)).toEqual([0, 0.5, 0.5]);
  });
});

describe('matmul', () => {
  it('covers dot, mv, vm, mm and batched broadcasting', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    expect(vals(matmul(a, b))).toEqual([4, 5, 10, 11]);
    expect(vals(mm(a, b))).toEqual([4, 5, 10, 11]);
    expect(vals(matmul(tensor([1, 2, 3]), tensor([4, 5, 6])))).toEqual([32]);
    expect(matmul(tensor([1, 2, 3]), tensor([4, 5, 6])).shape).toEqual([]);
    expect(vals(a.matmul(tensor([1, 1, 1])))).toEqual([6, 15]);
    expect(vals(matmul(tensor([1, 1]), a))).toEqual([5, 7, 9]);
    const batch = matmul(arange(12, undefined, 1, { dtype: 'float32' }).reshape(2, 1, 2, 3), b);
    expect(batch.shape).toEqual([2, 1, 2, 2]);
    expect(vals(batch)).toEqual([2, 3, 8, 9, 14, 15, 20, 21]);
    const bb = matmul(
      arange(12, undefined, 1, { dtype: 'float32' }).reshape(2, 2, 3),
      arange(18, undefined, 1, { dtype: 'float32' }).reshape(3, 1, 3, 2),
    );
    expect(bb.shape).toEqual([3, 2, 2, 2]);
    // batch (i=2, j=1): A[1] = [[6,7,8],[9,10,11]], B[2] = [[12,13],[14,15],[16,17]]
    expect(vals(bb).slice(-4)).toEqual([
      6 * 12 + 7 * 14 + 8 * 16,
      6 * 13 + 7 * 15 + 8 * 17,
      9 * 12 + 10 * 14 + 11 * 16,
      9 * 13 + 10 * 15 + 11 * 17,
    ]);
  });

  it('errors name the shapes and the mismatch', () => {
    expect(() =>
      matmul(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        tensor([
          [1, 2, 3, 4, 5],
          [1, 2, 3, 4, 5],
          [1, 2, 3, 4, 5],
          [1, 2, 3, 4, 5],
        ]),
      ),
    ).toThrow('matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 vs 4)');
    expect(() => matmul(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2]))).toThrow(
      'matmul: expected float32 operands, got int32 [2] and float32 [2]',
    );
    expect(() => matmul(tensor(1), tensor([1]))).toThrow(
      /matmul: both arguments need to be at least 1D, but they are 0D and 1D/,
    );
    expect(() => matmul(rnd([2, 2, 3]), rnd([3, 3, 2]))).toThrow(
      /matmul: batch dims of \[2, 2, 3\] and \[3, 3, 2\] cannot be broadcast/,
    );
  });

  it('gradients for every operand layout', () => {
    gradcheck((p, q) => matmul(p, q), [rnd([3, 4]), rnd([4, 2], 1)]);
    gradcheck((p, q) => matmul(p, q), [rnd([4]), rnd([4], 1)]);
    gradcheck((p, q) => matmul(p, q), [rnd([4]), rnd([4, 3], 1)]);
    gradcheck((p, q) => matmul(p, q), [rnd([2, 4]), rnd([4], 1)]);
    gradcheck((p, q) => matmul(p, q), [rnd([2, 3, 4]), rnd([4, 2], 1)]);
    gradcheck((p, q) => matmul(p, q), [rnd([3, 4]), rnd([2, 4, 2], 1)]);
    gradcheck((p, q) => matmul(p, q), [rnd([2, 1, 3, 4]), rnd([3, 4, 2], 1)]);
  });
});
