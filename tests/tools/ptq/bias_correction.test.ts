// Bias correction removes the output mean shift that weight rounding plants (empirical, from data), and the
// analytic variant's E[ReLU(y)] for y ~ N(β, γ²) matches a Monte-Carlo mean.
import { describe, expect, it } from 'vitest';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { Generator, nn, quantization, randn, type Tensor } from '../../../index.js';
import { MinMaxObserver } from '../../../runtime/quant/minmax_observer.js';
import { QConfig } from '../../../runtime/quant/qconfig.js';
import { quantized_weight } from '../../../tools/ptq/bias_correction.js';
import { bias_correction, expected_relu, weighted_layers } from '../../../tools/ptq/index.js';

class OneLinear extends nn.Module {
  fc = new nn.Linear(8, 4);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x);
  }
}

const qconfig = QConfig({
  activation: MinMaxObserver.with_args({ dtype: 'quint8' }),
  weight: MinMaxObserver.with_args({ dtype: 'qint8', qscheme: 'per_tensor_symmetric', quant_min: -8, quant_max: 7 }),
});

/** Mean over rows of x·W̃ᵀ + b per output channel, and the float one. */
function means(prepared: GraphModule, x: Tensor): { quantized: number[]; float: number[] } {
  const layer = weighted_layers(prepared)[0];
  const w = layer.weighted.weight as Tensor;
  const wq = quantized_weight(layer);
  const b = layer.weighted.bias as Tensor;
  const [n, k] = x.shape;
  const out = { quantized: [0, 0, 0, 0], float: [0, 0, 0, 0] };
  for (let o = 0; o < 4; o++) {
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < k; j++) {
        const xv = x.data[r * k + j] as number;
        out.quantized[o] += ((wq.data[o * k + j] as number) * xv) / n;
        out.float[o] += ((w.data[o * k + j] as number) * xv) / n;
      }
    }
    out.quantized[o] += b.data[o] as number;
  }
  return out;
}

describe('bias_correction', () => {
  it('removes a planted per-channel mean shift', () => {
    const m = new OneLinear().eval();
    // every weight sits 0.4 steps above a grid point (step 1/7.5 with range ±1): nearest rounds all down,
    // so with positive inputs each channel's output mean drops by 0.4·step·Σ E[x]
    const step = 1 / 7.5;
    const w = m.fc.weight.data as Float32Array;
    for (let i = 0; i < w.length; i++) w[i] = i === 0 ? 1 : ((i % 5) - 2 + 0.4) * step * (i % 2 ? 1 : -1);
    const x = randn([256, 8], { generator: new Generator(2) })
      .abs()
      .add(1);
    const prepared = quantization.prepare_fx(m, { '': qconfig }, [x.narrow(0, 0, 1)]) as GraphModule;
    const b0 = Float32Array.from((m.fc.bias as Tensor).data as Float32Array);
    const before = means(prepared, x);
    const shift0 = before.quantized.map((q, o) => q - (before.float[o] + b0[o]));
    expect(Math.max(...shift0.map(Math.abs))).toBeGreaterThan(0.05);
    const report = bias_correction(prepared, x, { batch_size: 64 });
    for (let o = 0; o < 4; o++) expect(report[0].shift[o]).toBeCloseTo(shift0[o], 5);
    const after = means(prepared, x);
    for (let o = 0; o < 4; o++) expect(after.quantized[o]).toBeCloseTo(after.float[o] + b0[o], 5);
    // the int8 model carries the corrected bias
    prepared.call(x);
    const q = quantization.convert_fx(prepared, { warn: false });
    const y = q.call(x) as Tensor;
    const mean_err = [0, 1, 2, 3].map((o) => {
      let s = 0;
      for (let r = 0; r < 256; r++) s += (y.data[r * 4 + o] as number) / 256;
      return Math.abs(s - (before.float[o] + b0[o]));
    });
    expect(Math.max(...mean_err)).toBeLessThan(Math.max(...shift0.map(Math.abs)) / 4);
  });

  it('expected_relu matches the Monte-Carlo mean of ReLU(N(β, γ²))', () => {
    const gen = new Generator(7);
    for (const [beta, gamma] of [
      [0.5, 1],
      [-1, 0.5],
      [2, 3],
    ]) {
      let s = 0;
      const n = 200000;
      for (let i = 0; i < n; i++) s += Math.max(0, beta + gamma * gen.normal());
      // within 4 standard errors of the Monte-Carlo mean
      expect(Math.abs(expected_relu(beta, gamma, true) - s / n)).toBeLessThan((4 * gamma) / Math.sqrt(n));
    }
    expect(expected_relu(0.3, 1, false)).toBe(0.3);
  });
});
