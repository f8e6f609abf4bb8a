import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  clamp,
  div,
  eq,
  exp,
  ge,
  gelu,
  gradcheck,
  gt,
  hardsigmoid,
  hardswish,
  hardtanh,
  le,
  leaky_relu,
  log,
  log_softmax,
  lt,
  mul,
  ne,
  neg,
  pow,
  relu,
  relu6,
  sigmoid,
  silu,
  softmax,
  sqrt,
  sub,
  type Tensor,
  tanh,
  tensor,
  where,
} from '../../../index.js';
import { erf, erfc, normal_cdf } from '../../../runtime/tensor/ops/erf.js';

const vals = (t: Tensor) => [...t.data];
const grad_of = (t: Tensor) => [...(t.grad?.data ?? [])];

/** Deterministic values in (lo, hi), kept `gap` away from the given kinks so finite differences are valid. */
function rnd(shape: number[], lo = -2, hi = 2, kinks: number[] = [], gap = 0.05): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = lo + (hi - lo) * (0.5 + 0.5 * Math.sin(i * 2.3 + 0.7));
    for (const k of kinks) if (Math.abs(v - k) < gap) v = k + gap * 2 * Math.sign(v - k || 1);
    d[i] = v;
  }
  return tensor(d, { shape, requires_grad: true });
}

describe('binary ops', () => {
  it('add/sub/mul/div with broadcasting, scalars and alpha', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([10, 20, 30]);
    expect(vals(sub(a, b, { alpha: 2 }))).toEqual([-19, -38, -57, -16, -35, -54]);
    expect(vals(a.add(1.5))).toEqual([2.5, 3.5, 4.5, 5.5, 6.5, 7.5]);
    expect(vals(div(6, b.reshape(3, 1))).map((v) => Math.round(v * 100) / 100)).toEqual([0.6, 0.3, 0.2]);
    expect(vals(tensor([1, 2], { dtype: 'int32' }).div(2))).toEqual([0.5, 1]);
    expect(tensor([1, 2], { dtype: 'int32' }).div(2).dtype).toBe('float32');
    expect(vals(add(a, a, { alpha: 0.5 }))).toEqual([1.5, 3, 4.5, 6, 7.5, 9]);
  });

  it('python-style scalars are rounded to float32 before the arithmetic, as torch does', () => {
    const x = tensor(Array.from({ length: 200 }, (_, i) => Math.fround((i + 1) * 0.37)));
    const f = Math.fround;
    // e.g. 4.07 · 0.1 differs in the last bit between float64 and float32 scalars
    expect(vals(x.mul(0.1))).toEqual(vals(x).map((v) => f(v * f(0.1))));
    expect(vals(x.div(0.3))).toEqual(vals(x).map((v) => f(v / f(0.3))));
    expect(vals(div(x.reshape(10, 20), tensor([1]).mul(0.3)))).toEqual(vals(x).map((v) => f(v / f(0.3))));
    expect(vals(x.to('int32').mul(0.1))).toEqual(vals(x).map((v) => f(Math.trunc(v) * f(0.1))));
  });

  it('gradients of add/sub/mul/div/pow including broadcast operands', () => {
    const a = rnd([2, 3]);
    const b = rnd([3], 0.5, 2);
    const c = rnd([2, 1], 0.5, 2);
    gradcheck((x, y) => add(x, y, { alpha: 3 }), [a, b]);
    gradcheck((x, y) => sub(x, y, { alpha: 0.5 }), [a, c]);
    gradcheck((x, y) => mul(x, y), [a, c]);
    gradcheck((x, y) => div(x, y), [a, b]);
    gradcheck((x) => div(2, x), [b]);
    gradcheck((x) => pow(x, 3), [a]);
    gradcheck((x) => x.pow(2), [a]);
    gradcheck((x) => pow(x, 0.5), [b]);
    gradcheck((x, y) => pow(x, y), [b, c]);
    gradcheck((y) => pow(2, y), [c]);
  });

  it('comparisons are bool and do not record gradients', () => {
    const a = tensor([1, 2, 3], { requires_grad: true });
    const r = gt(a, 2);
    expect(r.dtype).toBe('bool');
    expect(r.requires_grad).toBe(false);
    expect(vals(r)).toEqual([0, 0, 1]);
    expect(vals(lt(a, 2))).toEqual([1, 0, 0]);
    expect(vals(ge(a, 2))).toEqual([0, 1, 1]);
    expect(vals(le(a, tensor([[2], [0]])))).toEqual([1, 1, 0, 0, 0, 0]);
    expect(vals(eq(a, 2))).toEqual([0, 1, 0]);
    expect(vals(ne(a, 2))).toEqual([1, 0, 1]);
    expect(vals(a.eq(tensor([1, 0, 3])))).toEqual([1, 0, 1]);
  });

  it('where broadcasts and routes gradients', () => {
    const c = tensor([1, 0, 1], { dtype: 'bool' });
    expect(vals(where(c, tensor([1, 2, 3]), 0))).toEqual([1, 0, 3]);
    gradcheck((x, y) => where(c, x, y), [rnd([2, 3]), rnd([3])]);
    expect(() => where(tensor([1, 0]), tensor([1, 2]), 0)).toThrow(
      /where: condition must be a bool tensor, got float32/,
    );
  });
});

describe('unary math', () => {
  it('values', () => {
    const x = tensor([-2, -0.5, 0, 0.5, 4]);
    expect(vals(neg(x))).toEqual([2, 0.5, -0, -0.5, -4]);
    expect(vals(abs(x))).toEqual([2, 0.5, 0, 0.5, 4]);
    expect(vals(clamp(x, -1, 1))).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(vals(x.clamp(null, 0))).toEqual([-2, -0.5, 0, 0, 0]);
    expect(vals(sqrt(tensor([4, 9])))).toEqual([2, 3]);
    expect(vals(exp(tensor([0]))).concat(vals(log(tensor([1]))))).toEqual([1, 0]);
    expect(() => clamp(x)).toThrow(/clamp: at least one of 'min' or 'max'/);
  });

  it('gradients', () => {
    gradcheck((x) => neg(x), [rnd([5])]);
    gradcheck((x) => abs(x), [rnd([2, 5], -2, 2, [0])]);
    gradcheck((x) => exp(x), [rnd([2, 4])]);
    gradcheck((x) => log(x), [rnd([2, 4], 0.3, 3)]);
    gradcheck((x) => sqrt(x), [rnd([2, 4], 0.3, 3)]);
    gradcheck((x) => clamp(x, -0.5, 1), [rnd([3, 4], -2, 2, [-0.5, 1])]);
  });
});

describe('activations', () => {
  it('values match torch formulas', () => {
    const x = tensor([-4, -1, 0, 0.5, 7]);
    expect(vals(relu(x))).toEqual([0, 0, 0, 0.5, 7]);
    // edge values: +0 (never −0) for negatives, NaN kept, ±inf as torch
    const e = relu(tensor([Number.NEGATIVE_INFINITY, -0.5, -0, Number.NaN, Number.POSITIVE_INFINITY]));
    expect(vals(e).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual([0, 0, 0, Number.NaN, Number.POSITIVE_INFINITY]);
    expect(vals(relu6(x))).toEqual([0, 0, 0, 0.5, 6]);
    expect(vals(hardtanh(x))).toEqual([-1, -1, 0, 0.5, 1]);
    expect(vals(hardtanh(x, -2, 3))).toEqual([-2, -1, 0, 0.5, 3]);
    expect(vals(leaky_relu(x, 0.1)).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([-0.4, -0.1, 0, 0.5, 7]);
    expect(vals(hardsigmoid(x))).toEqual([0, Math.fround(2 / 6), 0.5, Math.fround(3.5 / 6), 1]);
    expect(vals(hardswish(x))).toEqual([-0, Math.fround(-2 / 6), 0, Math.fround((0.5 * 3.5) / 6), 7]);
    expect(vals(sigmoid(tensor([0, -1000, 1000])))).toEqual([0.5, 0, 1]);
    expect(vals(tanh(tensor([0])))).toEqual([0]);
    // torch.nn.functional.gelu(torch.tensor([-1., 0.5, 2.])) = [-0.15865526, 0.34573123, 1.95449970]
    const ge_ = vals(gelu(tensor([-1, 0.5, 2])));
    [-0.15865526, 0.34573123, 1.9544997].forEach((v, i) => {
      expect(ge_[i]).toBeCloseTo(v, 6);
    });
    // approximate='tanh': [-0.15880801, 0.34571401, 1.95459769]
    const gt_ = vals(gelu(tensor([-1, 0.5, 2]), { approximate: 'tanh' }));
    [-0.15880801, 0.34571401, 1.95459769].forEach((v, i) => {
      expect(gt_[i]).toBeCloseTo(v, 6);
    });
    expect(vals(silu(tensor([1])))[0]).toBeCloseTo(0.7310586, 6);
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(-3)).toBeCloseTo(-0.9999779095030014, 14);
    // between grid points, past the series / continued-fraction switch, and the tails (scipy.special values)
    expect(erf(1.0001)).toBeCloseTo(0.8427422995485203, 14);
    expect(erf(2.7)).toBeCloseTo(0.9998656672600594, 14);
    expect(erf(7)).toBe(1);
    expect(erfc(5) / 1.5374597944280349e-12).toBeCloseTo(1, 12);
    expect(erfc(-0.3)).toBeCloseTo(1.3286267594591274, 14);
    // GELU of a large negative input: x·Φ(x) keeps its relative accuracy (1 + erf would cancel)
    const g8 = vals(gelu(tensor([-8])))[0];
    expect(g8 / (-8 * normal_cdf(-8))).toBeCloseTo(1, 6);
    expect(normal_cdf(-8) / 6.220960574271819e-16).toBeCloseTo(1, 12);
  });

  it("gradients, including torch's choices at the kinks", () => {
    gradcheck((x) => relu(x), [rnd([3, 4], -2, 2, [0])]);
    gradcheck((x) => relu6(x), [rnd([3, 4], -2, 8, [0, 6])]);
    gradcheck((x) => hardtanh(x, -1, 1), [rnd([3, 4], -2, 2, [-1, 1])]);
    gradcheck((x) => leaky_relu(x, 0.2), [rnd([3, 4], -2, 2, [0])]);
    gradcheck((x) => hardsigmoid(x), [rnd([3, 4], -5, 5, [-3, 3])]);
    gradcheck((x) => hardswish(x), [rnd([3, 4], -5, 5, [-3, 3])]);
    gradcheck((x) => sigmoid(x), [rnd([3, 4], -5, 5)]);
    gradcheck((x) => tanh(x), [rnd([3, 4])]);
    gradcheck((x) => gelu(x), [rnd([3, 4], -4, 4)]);
    gradcheck((x) => gelu(x, { approximate: 'tanh' }), [rnd([3, 4], -4, 4)]);
    gradcheck((x) => silu(x), [rnd([3, 4], -4, 4)]);
    // at exactly the kink torch gives: relu'(0) = 0, hardtanh'(±1) = 0, clamp'(bound) = 1
    const k = tensor([0, 1, -1], { requires_grad: true });
    relu(k).sum().backward();
    expect(grad_of(k)).toEqual([0, 1, 0]);
    k.grad = null;
    hardtanh(k).sum().backward();
    expect(grad_of(k)).toEqual([1, 0, 0]);
    k.grad = null;
    clamp(k, -1, 1).sum().backward();
    expect(grad_of(k)).toEqual([1, 1, 1]);
  });

  it('softmax and log_softmax are stable and differentiable along any dim', () => {
    const x = tensor([
      [1000, 1001, 1002],
      [-5, 0, 5],
    ]);
    const s = softmax(x, 1);
    expect(
      vals(s)
        .slice(0, 3)
        .map((v) => Math.round(v * 1e6) / 1e6),
    ).toEqual([0.090031, 0.244728, 0.665241]);
    const ls = log_softmax(x, -1);
    expect(vals(ls)[2]).toBeCloseTo(-0.40760596, 5);
    expect(vals(x.softmax(0))).toEqual([1, 1, 1, 0, 0, 0]);
    gradcheck((a) => softmax(a, 1), [rnd([3, 4])]);
    gradcheck((a) => softmax(a, 0), [rnd([3, 4])]);
    gradcheck((a) => log_softmax(a, 1), [rnd([2, 3, 4])]);
    gradcheck((a) => a.log_softmax(-1), [rnd([2, 3, 4])]);
    expect(() => softmax(tensor([1, 2, 3], { dtype: 'int64' }), 0)).toThrow(
      'softmax: expected a float32 tensor, got int64 with shape [3]',
    );
    expect(() => softmax(x, 2)).toThrow(
      /softmax: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/,
    );
  });

  it('relu, hardtanh and clamp work on per-tensor quantized tensors in the integer domain', () => {
    const q = tensor([0, 5, 10, 20, 250], { dtype: 'quint8' });
    q.quantizer = { kind: 'per_tensor', scale: 0.1, zero_point: 10 };
    const r = relu(q);
    expect(vals(r)).toEqual([10, 10, 10, 20, 250]);
    expect(r.quantizer).toEqual(q.quantizer);
    expect(vals(relu6(q))).toEqual([10, 10, 10, 20, 70]);
    expect(vals(clamp(q, -0.5, 0.5))).toEqual([5, 5, 10, 15, 15]);
    expect(() => sigmoid(q)).toThrow(/sigmoid: got a quantized tensor \(quint8\)/);
  });
});
