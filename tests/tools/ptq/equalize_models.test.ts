// CLE on the trained example models keeps the fp32 logits within float rounding (max |Δ| < 1e-4 on 16 test
// images): FmnistCNN and FmnistResNet (ReLU pairs), FmnistMobileNet with ReLU6 pairs left alone ('stop'), and with
// ReLU6 → ReLU ('relu') against the same model with the ReLU6s replaced but nothing rescaled (max_iterations 0).
import { describe, expect, it } from 'vitest';
import { load_test_images } from '../../../examples/lib/fmnist_data.js';
import mobilenet, { load_weights as load_mobilenet } from '../../../examples/models/fmnist_mobilenet.js';
import { FMNIST_MODELS } from '../../../examples/models/index.js';
import { type nn, no_grad, type Tensor } from '../../../index.js';
import { equalize } from '../../../tools/ptq/index.js';

const x = load_test_images({ limit: 16 }).images;

function max_delta(a: nn.Module, b: nn.Module): number {
  const ya = no_grad(() => a.call(x) as Tensor).data;
  const yb = no_grad(() => b.call(x) as Tensor).data;
  let d = 0;
  for (let i = 0; i < ya.length; i++) d = Math.max(d, Math.abs((ya[i] as number) - (yb[i] as number)));
  return d;
}

describe('equalize on the example models', () => {
  for (const name of ['fmnist_cnn', 'fmnist_resnet']) {
    it(`${name}: fp32 logits unchanged`, () => {
      const spec = FMNIST_MODELS.find((s) => s.name === name);
      if (!spec?.pretrained) throw new Error(`no pretrained ${name}`);
      const m = spec.pretrained().eval();
      const { model, report } = equalize(m);
      expect(report.pairs.length).toBeGreaterThan(0);
      expect(max_delta(m, model)).toBeLessThan(1e-4);
    });
  }

  it('fmnist_mobilenet: exact without ReLU6 pairs; with ReLU6 → ReLU exact against the replaced model', () => {
    const m = load_mobilenet(mobilenet()).eval();
    const stop = equalize(m, { relu6: 'stop' });
    expect(stop.report.pairs.every((p) => p.activation !== 'relu6→relu')).toBe(true);
    expect(stop.report.pairs.length).toBeGreaterThan(0);
    expect(max_delta(m, stop.model)).toBeLessThan(1e-4);
    const replaced_only = equalize(m, { max_iterations: 0 }).model;
    const full = equalize(m);
    expect(full.report.pairs.some((p) => p.activation === 'relu6→relu')).toBe(true);
    expect(max_delta(replaced_only, full.model)).toBeLessThan(1e-4);
  });
});
