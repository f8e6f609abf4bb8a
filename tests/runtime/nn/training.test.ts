import { describe, expect, it } from 'vitest';
import { F, Generator, manual_seed, nn, randint, randn, type Tensor } from '../../../index.js';

/** Conv → BN → ReLU → pool → LSTM over rows → Linear: every layer kind's backward in one model. */
class Tiny extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(4);
  relu = new nn.ReLU();
  pool = new nn.MaxPool2d(2);
  lstm = new nn.LSTM(16, 8, { batch_first: true });
  norm = new nn.LayerNorm(8);
  fc = new nn.Linear(8, 3);
  forward(x: Tensor): Tensor {
    const y = this.pool.forward(this.relu.forward(this.bn.forward(this.conv.forward(x)))); // [N, 4, 4, 4]
    const [seq] = this.lstm.forward(y.reshape(y.shape[0], 4, 16));
    return this.fc.forward(this.norm.forward(seq.select(1, -1)));
  }
}

describe('training through the layers', () => {
  it('plain SGD on a fixed batch drives the cross-entropy down', () => {
    manual_seed(0);
    const model = new Tiny();
    const g = new Generator(1);
    const x = randn([12, 1, 8, 8], { generator: g });
    const target = randint(0, 3, [12], { generator: g });
    const losses: number[] = [];
    for (let step = 0; step < 40; step++) {
      model.zero_grad();
      const loss = F.cross_entropy(model.forward(x), target);
      loss.backward();
      losses.push(loss.item());
      for (const p of model.parameters()) {
        const gd = p.grad?.data;
        expect(gd, 'every parameter receives a gradient').toBeDefined();
        const d = p.data;
        for (let i = 0; i < d.length; i++) d[i] -= 0.1 * (gd as Float32Array)[i];
      }
    }
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.5);
    expect(model.bn.num_batches_tracked?.item()).toBe(40);
  });
});
