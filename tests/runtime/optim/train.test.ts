import { describe, expect, it } from 'vitest';
import { Generator, matmul, nn, optim, randn, relu, type Tensor, tensor } from '../../../index.js';

/** End to end: matmul, broadcast add, relu, cross_entropy and an optimizer learn a non-linear rule. */

function dataset(n: number, gen: Generator): [Tensor, Tensor] {
  const x = randn([n, 2], { generator: gen });
  // class 1 inside the unit circle: not linearly separable
  const y = tensor(
    Array.from({ length: n }, (_, i) => (x.data[2 * i] ** 2 + x.data[2 * i + 1] ** 2 < 1 ? 1 : 0)),
    { dtype: 'int64' },
  );
  return [x, y];
}

function train(make: (params: nn.Parameter[]) => optim.Optimizer, steps: number): number {
  const gen = new Generator(3);
  const [x, y] = dataset(128, gen);
  const w1 = new nn.Parameter(randn([2, 16], { generator: gen }).mul(0.7));
  const b1 = new nn.Parameter(tensor(new Float32Array(16)));
  const w2 = new nn.Parameter(randn([16, 2], { generator: gen }).mul(0.3));
  const b2 = new nn.Parameter(tensor(new Float32Array(2)));
  const opt = make([w1, b1, w2, b2]);
  const forward = () => matmul(relu(matmul(x, w1).add(b1)), w2).add(b2);
  let first = 0;
  for (let s = 0; s < steps; s++) {
    opt.zero_grad();
    const loss = nn.cross_entropy(forward(), y);
    if (s === 0) first = loss.item();
    loss.backward();
    opt.step();
  }
  const pred = forward().argmax(1);
  let correct = 0;
  for (let i = 0; i < 128; i++) if (pred.data[i] === y.data[i]) correct++;
  expect(nn.cross_entropy(forward(), y).item()).toBeLessThan(first * 0.5);
  return correct / 128;
}

describe('training a small MLP', () => {
  it('SGD with momentum fits the circle rule', () => {
    expect(train((p) => new optim.SGD(p, { lr: 0.2, momentum: 0.9 }), 300)).toBeGreaterThan(0.93);
  });
  it('Adam fits the circle rule', () => {
    expect(train((p) => new optim.Adam(p, { lr: 0.03 }), 300)).toBeGreaterThan(0.93);
  });
});
