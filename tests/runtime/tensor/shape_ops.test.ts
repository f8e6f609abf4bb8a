import { describe, expect, it } from 'vitest';
import {
  arange,
  cat,
  chunk,
  flatten,
  gradcheck,
  narrow,
  no_grad,
  permute,
  reshape,
  select,
  split,
  squeeze,
  stack,
  type Tensor,
  tensor,
  transpose,
  unsqueeze,
} from '../../../index.js';

const vals = (t: Tensor) => [...t.data];

function rnd(shape: number[]): Tensor {
  // deterministic, well away from kinks
  const n = shape.reduce((p, d) => p * d, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.sin(i * 1.7 + 0.3) * 2;
  return tensor(d, { shape, requires_grad: true });
}

describe('views', () => {
  it('reshape/view infer -1, share storage, and flatten/squeeze/unsqueeze give torch shapes', () => {
    const x = arange(24, undefined, 1, { dtype: 'float32' });
    const y = x.reshape(2, -1, 4);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(y.data).toBe(x.data);
    expect(x.view([4, 6]).shape).toEqual([4, 6]);
    expect(reshape(x, [6, -1]).shape).toEqual([6, 4]);
    expect(y.flatten(1).shape).toEqual([2, 12]);
    expect(flatten(y).shape).toEqual([24]);
    expect(y.flatten(0, 1).shape).toEqual([6, 4]);
    const z = y.unsqueeze(1);
    expect(z.shape).toEqual([2, 1, 3, 4]);
    expect(unsqueeze(y, -1).shape).toEqual([2, 3, 4, 1]);
    expect(z.squeeze().shape).toEqual([2, 3, 4]);
    expect(squeeze(z, 1).shape).toEqual([2, 3, 4]);
    expect(z.squeeze(0).shape).toEqual([2, 1, 3, 4]);
    expect(y.contiguous()).toBe(y);
    const c = y.clone();
    expect(c.data).not.toBe(y.data);
    expect(vals(c)).toEqual(vals(y));
  });

  it('reshape errors name the op, the shape and the size', () => {
    const x = tensor([1, 2, 3, 4, 5, 6]);
    expect(() => x.reshape(2, 5)).toThrow('reshape: shape [2, 5] is invalid for input of size 6');
    expect(() => x.reshape(-1, -1)).toThrow(/reshape: only one dimension can be inferred/);
    expect(() => x.view(4, -1)).toThrow('view: shape [4, -1] is invalid for input of size 6');
    expect(() => x.flatten(2)).toThrow(/flatten: dimension out of range/);
  });

  it('gradients flow through views', () => {
    gradcheck((a) => a.reshape(3, 2).unsqueeze(0).flatten().mul(a.view(-1)), [rnd([2, 3])]);
  });
});

describe('permute / transpose / t / expand', () => {
  it('permute reorders values as torch', () => {
    const x = arange(6, undefined, 1, { dtype: 'float32' }).reshape(1, 2, 3);
    const y = x.permute(2, 0, 1);
    expect(y.shape).toEqual([3, 1, 2]);
    expect(vals(y)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(vals(permute(x, [0, 2, 1]))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(vals(transpose(x, 1, 2))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(vals(x.reshape(2, 3).t())).toEqual([0, 3, 1, 4, 2, 5]);
    expect(() => x.permute(0, 1)).toThrow(
      /permute: number of dims \[0, 1\] doesn't match the tensor's shape \[1, 2, 3\]/,
    );
    expect(() => x.permute(0, 1, 1)).toThrow(/permute: dim 1 appears multiple times/);
    expect(() => x.t()).toThrow(/t: expects a tensor with <= 2 dimensions, but got shape \[1, 2, 3\]/);
  });

  it('expand broadcasts size-1 and new leading dims; errors name sizes', () => {
    const x = tensor([[1], [2]]);
    const y = x.expand(3, 2, 4);
    expect(y.shape).toEqual([3, 2, 4]);
    expect(vals(y).slice(0, 8)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    expect(x.expand(-1, 3).shape).toEqual([2, 3]);
    expect(() => x.expand(3, 3)).toThrow(
      'expand: the expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0. Target sizes: [3, 3]. Tensor sizes: [2, 1]',
    );
  });

  it('gradients: permute, transpose, expand', () => {
    gradcheck((a) => a.permute(2, 0, 1).mul(a.permute(2, 0, 1)), [rnd([2, 3, 4])]);
    gradcheck((a) => a.transpose(0, 2), [rnd([2, 3, 4])]);
    gradcheck((a) => a.expand(2, 3, 4).mul(a.expand(2, 3, 4)), [rnd([3, 1])]);
  });
});

describe('cat / stack / split / chunk / select / narrow / index', () => {
  it('cat and stack', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([[5], [6]]);
    expect(vals(cat([a, b], 1))).toEqual([1, 2, 5, 3, 4, 6]);
    expect(vals(cat([a, a], 0))).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(cat([a, a], -1).shape).toEqual([2, 4]);
    const s = stack([a, a], 1);
    expect(s.shape).toEqual([2, 2, 2]);
    expect(vals(s)).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
    expect(() => cat([a, b], 0)).toThrow(
      'cat: tensors must have the same shape except in dim 0, got [2, 2] and [2, 1] (tensor 1)',
    );
    expect(() => stack([a, b])).toThrow(
      /stack: expects each tensor to be equal size, but got \[2, 2\] at entry 0 and \[2, 1\] at entry 1/,
    );
    expect(() => cat([])).toThrow(/cat: expected a non-empty list/);
  });

  it('split and chunk follow torch sizes', () => {
    const x = arange(10, undefined, 1, { dtype: 'float32' });
    expect(split(x, 4).map((t) => t.shape[0])).toEqual([4, 4, 2]);
    expect(x.split([3, 7]).map(vals)[0]).toEqual([0, 1, 2]);
    expect(chunk(x, 3).map((t) => t.shape[0])).toEqual([4, 4, 2]);
    expect(
      x
        .reshape(2, 5)
        .chunk(2, 1)
        .map((t) => t.shape),
    ).toEqual([
      [2, 3],
      [2, 2],
    ]);
    expect(() => x.split([3, 3])).toThrow(
      /split: split_sizes \[3, 3\] sum to 6, but dimension 0 of \[10\] has size 10/,
    );
  });

  it('select, narrow and basic index slicing', () => {
    const x = arange(24, undefined, 1, { dtype: 'float32' }).reshape(2, 3, 4);
    expect(vals(x.select(1, -1))).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    expect(vals(select(x, 0, 1).select(0, 0))).toEqual([12, 13, 14, 15]);
    expect(vals(narrow(x, 2, 1, 2))).toEqual([1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22]);
    // out[:, -1, :] as the LSTM model does
    const last = x.index(null, -1, null);
    expect(last.shape).toEqual([2, 4]);
    expect(vals(last)).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    // x[1, 0:3:2, 1:] and negative slice bounds
    expect(vals(x.index(1, [0, 3, 2], [1]))).toEqual([13, 14, 15, 21, 22, 23]);
    expect(x.index([-1]).shape).toEqual([1, 3, 4]);
    expect(x.index(null, [5, 9]).shape).toEqual([2, 0, 4]);
    expect(() => x.select(1, 3)).toThrow('select: index 3 is out of bounds for dimension 1 with size 3');
    expect(() => x.index(0, 0, 0, 0)).toThrow(/index: too many indices \(4\) for a tensor of shape \[2, 3, 4\]/);
    expect(() => x.narrow(0, 1, 2)).toThrow(/narrow: start \(1\) \+ length \(2\) exceeds dimension size \(2\)/);
  });

  it('gradients: cat, stack, split, select, narrow, index', () => {
    const a = rnd([2, 3]);
    const b = rnd([2, 2]);
    gradcheck((p, q) => cat([p, q, p], 1), [a, b]);
    gradcheck((p) => stack([p, p.mul(p)], 0), [a]);
    gradcheck((p) => split(p, 2, 1)[1].mul(3), [a]);
    gradcheck((p) => p.select(1, 2).add(p.narrow(1, 0, 1).squeeze(1)), [a]);
    gradcheck((p) => p.index(null, [0, 3, 2]), [rnd([3, 4])]);
  });
});

describe('conversion and reading', () => {
  it('to(dtype), item, tolist', () => {
    const x = tensor([
      [-1.7, 2.5],
      [0, 3.9],
    ]);
    expect(vals(x.to('int32'))).toEqual([-1, 2, 0, 3]);
    expect(vals(x.to('bool'))).toEqual([1, 1, 0, 1]);
    expect(x.to('float32')).toBe(x);
    expect(tensor([3], { dtype: 'int64' }).float().dtype).toBe('float32');
    expect(x.tolist()).toEqual([
      [Math.fround(-1.7), 2.5],
      [0, Math.fround(3.9)],
    ]);
    expect(tensor(4.5).item()).toBe(4.5);
    expect(() => x.item()).toThrow('item: a Tensor with 4 elements (shape [2, 2]) cannot be converted to a number');
    expect(() => x.to('qint8')).toThrow(/to: cannot convert float32 to quantized dtype qint8/);
  });

  it('shape ops keep a per-tensor quantizer', () => {
    const q = tensor([1, 2, 3, 4, 5, 6], { dtype: 'quint8', shape: [1, 2, 3] });
    q.quantizer = { kind: 'per_tensor', scale: 0.5, zero_point: 2 };
    expect(q.flatten(1).quantizer).toBe(q.quantizer);
    const p = q.permute(0, 2, 1);
    expect(p.quantizer).toEqual(q.quantizer);
    expect(p.dtype).toBe('quint8');
    expect(vals(p)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(cat([q, q], 1).quantizer).toEqual(q.quantizer);
    expect(q.index(0, 1).tolist()).toEqual([1, 1.5, 2]);
  });
});

describe('in-place writes', () => {
  it('zero_, fill_ and copy_ (with broadcasting and casting)', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(x.zero_()).toBe(x);
    expect([...x.data]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...x.fill_(0.1).data]).toEqual(new Array(6).fill(Math.fround(0.1)));
    x.copy_(tensor([7, 8, 9]));
    expect([...x.data]).toEqual([7, 8, 9, 7, 8, 9]);
    const i = tensor([0, 0], { dtype: 'int32' }).copy_(tensor([2.7, -1.5]));
    expect([...i.data]).toEqual([2, -1]);
    expect(() => x.copy_(tensor([1, 2]))).toThrow('copy_: source of shape [2] cannot be broadcast to [2, 3]');
  });

  it('refuse tensors autograd tracks, unless under no_grad', () => {
    const p = tensor([1, 2], { requires_grad: true });
    expect(() => p.zero_()).toThrow(
      /zero_: a leaf tensor that requires grad \(shape \[2\]\) is being used in an in-place operation/,
    );
    expect(() => p.mul(2).fill_(1)).toThrow(
      /fill_: in-place writes to a tensor that is part of an autograd graph \(MulBackward\)/,
    );
    no_grad(() => p.fill_(3));
    expect([...p.data]).toEqual([3, 3]);
  });
});

describe('per-channel quantized views', () => {
  it('follow the channel axis through squeeze/unsqueeze/flatten and refuse splitting it', () => {
    const w = tensor(new Array(24).fill(1), { dtype: 'qint8', shape: [4, 3, 2] });
    w.quantizer = {
      kind: 'per_channel',
      scales: new Float64Array(3).fill(0.1),
      zero_points: new Int32Array(3),
      axis: 1,
    };
    const ax = (t: Tensor) => (t.quantizer?.kind === 'per_channel' ? t.quantizer.axis : -1);
    expect(ax(w.unsqueeze(0))).toBe(2);
    expect(ax(w.unsqueeze(2))).toBe(1);
    expect(ax(w.flatten(2))).toBe(1);
    expect(ax(w.unsqueeze(0).squeeze(0))).toBe(1);
    expect(() => w.flatten(0, 1)).toThrow(
      'flatten: cannot reshape a per-channel quantized tensor [4, 3, 2] (axis 1) to [12, 2] without splitting the channel dim',
    );
    expect(ax(w.permute(2, 1, 0))).toBe(1);
    expect(ax(w.permute(1, 0, 2))).toBe(0);
  });
});
