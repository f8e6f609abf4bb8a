// CLE: the per-channel scales equal the closed form sqrt(r1·r2)/r2, the float function is unchanged, chains
// through a depthwise conv converge to equal ranges, ReLU6 is replaced or stops the chain, and high-bias
// absorption moves max(0, β − 3γ) into the next layer's bias.
import { describe, expect, it } from 'vitest';
import { Generator, nn, no_grad, randn, type Tensor } from '../../../index.js';
import { channel_ranges, describe_equalization, equalize, input_channel_ranges } from '../../../tools/ptq/index.js';
import { weighted_of } from '../../../tools/ptq/layers.js';

class TwoLinear extends nn.Module {
  fc1 = new nn.Linear(6, 5);
  relu = new nn.ReLU();
  fc2 = new nn.Linear(5, 3);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.relu.forward(this.fc1.forward(x)));
  }
}

class DwChain extends nn.Module {
  c1 = new nn.Conv2d(3, 8, 3, { padding: 1 });
  bn1 = new nn.BatchNorm2d(8);
  r1: nn.Module;
  dw = new nn.Conv2d(8, 8, 3, { padding: 1, groups: 8 });
  bn2 = new nn.BatchNorm2d(8);
  r2 = new nn.ReLU();
  pw = new nn.Conv2d(8, 4, 1);
  constructor(relu6 = false) {
    super();
    this.r1 = relu6 ? new nn.ReLU6() : new nn.ReLU();
  }
  forward(x: Tensor): Tensor {
    const y = this.r1.call(this.bn1.forward(this.c1.forward(x))) as Tensor;
    return this.pw.forward(this.r2.forward(this.bn2.forward(this.dw.forward(y))));
  }
}

function randomize_bn(m: nn.Module, gen: Generator): void {
  for (const [, c] of m.named_modules()) {
    if (c instanceof nn.BatchNorm2d) {
      const n = (c.weight as Tensor).shape[0];
      for (let i = 0; i < n; i++) {
        (c.weight as Tensor).data[i] = 0.2 + 2 * gen.random();
        (c.bias as Tensor).data[i] = gen.normal();
        (c.running_mean as Tensor).data[i] = 0.3 * gen.normal();
        (c.running_var as Tensor).data[i] = 0.5 + gen.random();
      }
    }
  }
}

const max_abs_diff = (a: Tensor, b: Tensor) => {
  let d = 0;
  for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs((a.data[i] as number) - (b.data[i] as number)));
  return d;
};

describe('equalize', () => {
  it('scales each channel by sqrt(r1·r2)/r2 and keeps the float outputs', () => {
    const m = new TwoLinear().eval();
    // spread the channel ranges so the scales are far from 1
    const w1 = m.fc1.weight.data as Float32Array;
    for (let o = 0; o < 5; o++) for (let j = 0; j < 6; j++) w1[o * 6 + j] *= 0.1 * 4 ** o;
    const r1 = channel_ranges(m.fc1.weight);
    const r2 = input_channel_ranges(m.fc2);
    const x = randn([16, 6], { generator: new Generator(1) });
    const before = no_grad(() => m.forward(x));
    const { model, report } = equalize(m);
    expect(report.pairs.map((p) => [p.first, p.second, p.activation])).toEqual([['fc1', 'fc2', 'relu']]);
    const s = report.pairs[0].scales;
    for (let i = 0; i < 5; i++) expect(s[i]).toBeCloseTo(Math.sqrt(r1[i] * r2[i]) / r2[i], 5);
    // after: both ranges are sqrt(r1·r2)
    const fc1 = weighted_of(model.get_submodule('fc1')) as nn.Linear;
    const fc2 = weighted_of(model.get_submodule('fc2')) as nn.Linear;
    const a = channel_ranges(fc1.weight);
    const b = input_channel_ranges(fc2);
    for (let i = 0; i < 5; i++) {
      expect(a[i]).toBeCloseTo(Math.sqrt(r1[i] * r2[i]), 5);
      expect(b[i]).toBeCloseTo(a[i], 5);
    }
    expect(
      max_abs_diff(
        no_grad(() => model.call(x) as Tensor),
        before,
      ),
    ).toBeLessThan(1e-4);
    expect(describe_equalization(model)).toContain('fc1 (fc1): outputs ÷ s');
    // the input model is untouched
    expect(channel_ranges(m.fc1.weight)).toEqual(r1);
  });

  it('equalizes conv → depthwise → conv to convergence with the float outputs unchanged', () => {
    const gen = new Generator(3);
    const m = new DwChain().eval();
    randomize_bn(m, gen);
    const x = randn([2, 3, 6, 6], { generator: gen });
    const before = no_grad(() => m.forward(x));
    const { model, report } = equalize(m, { tolerance: 1e-7 });
    expect(report.pairs.map((p) => `${p.first}>${p.second}`)).toEqual(['c1>dw', 'dw>pw']);
    expect(report.sweeps).toBeGreaterThan(2);
    expect(report.last_change).toBeLessThanOrEqual(1e-7);
    for (const p of report.pairs) {
      const a = channel_ranges((weighted_of(model.get_submodule(p.first)) as nn.Conv2d).weight);
      const b = input_channel_ranges(weighted_of(model.get_submodule(p.second)) as nn.Conv2d);
      for (let i = 0; i < a.length; i++) expect(a[i] / b[i]).toBeCloseTo(1, 4);
    }
    expect(
      max_abs_diff(
        no_grad(() => model.call(x) as Tensor),
        before,
      ),
    ).toBeLessThan(1e-4);
  });

  it('replaces a ReLU6 between a pair by ReLU (AIMET), or stops there', () => {
    const m = new DwChain(true).eval();
    randomize_bn(m, new Generator(4));
    const replaced = equalize(m);
    expect(replaced.report.pairs[0].activation).toBe('relu6→relu');
    expect(replaced.model.get_submodule('r1')).toBeInstanceOf(nn.ReLU);
    expect(replaced.model.get_submodule('r1')).not.toBeInstanceOf(nn.ReLU6);
    const stopped = equalize(m, { relu6: 'stop' });
    expect(stopped.report.pairs.map((p) => p.first)).toEqual(['dw']);
  });

  it('absorbs max(0, β − 3γ) of the first layer into the second layer’s bias', () => {
    const m = new DwChain().eval();
    randomize_bn(m, new Generator(5));
    (m.bn1.bias as Tensor).data[0] = 10; // a high bias: c = 10 − 3γ > 0
    const plain = equalize(m).model;
    const { model, report } = equalize(m, { bias_absorption: true });
    const c = report.pairs[0].absorbed as Float64Array;
    const s = report.pairs[0].scales;
    const gamma = Math.abs((m.bn1.weight as Tensor).data[0] as number);
    expect(c[0]).toBeCloseTo((10 - 3 * gamma) / s[0], 4);
    const b_plain = (weighted_of(plain.get_submodule('c1')) as nn.Conv2d).bias as Tensor;
    const b_abs = (weighted_of(model.get_submodule('c1')) as nn.Conv2d).bias as Tensor;
    expect((b_plain.data[0] as number) - (b_abs.data[0] as number)).toBeCloseTo(c[0], 4);
    // interior outputs of a 3×3 depthwise conv see no padding: there the function is unchanged
    const x = randn([1, 3, 8, 8], { generator: new Generator(6) });
    const ya = no_grad(() => plain.call(x) as Tensor);
    const yb = no_grad(() => model.call(x) as Tensor);
    for (let o = 0; o < 4; o++)
      for (let i = 2; i < 6; i++)
        for (let j = 2; j < 6; j++) {
          const k = o * 64 + i * 8 + j;
          expect(Math.abs((ya.data[k] as number) - (yb.data[k] as number))).toBeLessThan(0.05);
        }
  });
});
