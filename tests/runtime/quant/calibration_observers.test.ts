import { describe, expect, it } from 'vitest';
import {
  EntropyObserver,
  HistogramObserver,
  histogram_quantile,
  MinMaxObserver,
  MSEObserver,
  PercentileObserver,
  quantize_per_tensor,
} from '../../../runtime/quant/index.js';
import type { UniformQuantizationObserverBase } from '../../../runtime/quant/observer_base.js';
import type { QuantDType } from '../../../runtime/tensor/dtype.js';
import { Generator } from '../../../runtime/tensor/random.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { load_observer_goldens } from './_fixtures.js';

function quant_mse(x: Tensor, obs: UniformQuantizationObserverBase): { range: number; mse: number } {
  const [s, z] = obs.calculate_qparams();
  const xr = quantize_per_tensor(x, s.data[0], z.data[0], obs.dtype as QuantDType).dequantize().data;
  let mse = 0;
  for (let i = 0; i < xr.length; i++) mse += (xr[i] - x.data[i]) ** 2;
  return { range: s.data[0] * (obs.quant_max - obs.quant_min), mse: mse / xr.length };
}

// A large activation with a couple of extreme outliers: MinMax spends its 256 levels on [-40, 40]
// although 99.99% of the mass is within ±4.
const g = new Generator(5);
const N = 1_000_000;
const heavy = new Tensor(
  Float32Array.from({ length: N }, () => g.normal()),
  [N],
  'float32',
);
heavy.data[10] = 40;
heavy.data[20] = -40;

describe('Percentile / MSE / Entropy observers', () => {
  const minmax = new MinMaxObserver();
  minmax.forward(heavy);
  const base = quant_mse(heavy, minmax);

  for (const [name, make] of [
    ['PercentileObserver', () => new PercentileObserver()],
    ['MSEObserver', () => new MSEObserver()],
    ['EntropyObserver', () => new EntropyObserver()],
  ] as const) {
    it(`${name} picks a narrower range than MinMax and a lower quantization MSE on a heavy-tailed tensor`, () => {
      const obs = make();
      obs.forward(heavy);
      const r = quant_mse(heavy, obs);
      expect(r.range).toBeLessThan(base.range * 0.5);
      expect(r.mse).toBeLessThan(base.mse * 0.5);
    });
  }

  it('histogram_quantile interpolates inside bins', () => {
    expect(histogram_quantile([1, 1, 1, 1], 0, 4, 0.5)).toBe(2);
    expect(histogram_quantile([0, 4, 0, 0], 0, 4, 0.25)).toBe(1.25);
  });

  it('MSEObserver never does worse than MinMax on its own objective', () => {
    const pareto = load_observer_goldens().tensors['input/pareto'];
    const mse = new MSEObserver();
    mse.forward(pareto);
    const [lo, hi] = mse.search_range();
    expect(mse.expected_mse(lo, hi)).toBeLessThanOrEqual(mse.expected_mse(mse.min_val.data[0], mse.max_val.data[0]));
  });

  it('EntropyObserver ignores the exact zeros of ReLU outputs and handles all-zero input', () => {
    const relu = new Tensor(
      Float32Array.from(heavy.data, (v) => Math.max(0, v)),
      [N],
      'float32',
    );
    const e = new EntropyObserver();
    e.forward(relu);
    const [lo, hi] = e.search_range();
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(2.5);
    expect(hi).toBeLessThan(20);
    const z = new EntropyObserver();
    z.forward(new Tensor(new Float32Array(8), [8], 'float32'));
    expect(z.search_range()).toEqual([0, 0]);
    expect([...z.calculate_qparams()[1].data]).toEqual([0]);
  });

  it('reports the MSE of each observer on the Pareto activation (golden input/pareto)', () => {
    const pareto = load_observer_goldens().tensors['input/pareto'];
    const rows: string[] = [];
    for (const obs of [
      new MinMaxObserver(),
      new HistogramObserver(),
      new PercentileObserver(),
      new MSEObserver(),
      new EntropyObserver(),
    ]) {
      obs.forward(pareto);
      const r = quant_mse(pareto, obs);
      expect(Number.isFinite(r.mse)).toBe(true);
      rows.push(
        `${obs.constructor.name.padEnd(20)} range ${r.range.toFixed(3).padStart(7)}  mse ${r.mse.toExponential(3)}`,
      );
    }
    console.log(`quantization MSE on input/pareto [1, 1024] (quint8 affine):\n${rows.join('\n')}`);
  });
});
