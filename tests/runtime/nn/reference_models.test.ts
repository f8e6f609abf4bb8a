/**
 * The three reference models (examples/models, built from fxq layers), loaded with PyTorch's trained weights, must
 * reproduce PyTorch 1.13's fp32 logits on the golden images (tests/fixtures/reference/golden).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FmnistCNN } from '../../../examples/models/fmnist_cnn.js';
import { FmnistLSTM } from '../../../examples/models/fmnist_lstm.js';
import { FmnistResNet } from '../../../examples/models/fmnist_resnet.js';
import { load_safetensors, type nn, no_grad, type Tensor } from '../../../index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const golden = (name: string) => load_safetensors(join(root, 'tests/fixtures/reference/golden', `${name}.safetensors`));
const weights = (name: string) => load_safetensors(join(root, 'examples/weights', `${name}.safetensors`));

function max_abs_diff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('reference models reproduce PyTorch fp32 logits', () => {
  for (const [name, golden_name, make] of [
    ['fmnist_cnn', 'fmnist_cnn_ptq', () => new FmnistCNN()],
    ['fmnist_resnet', 'fmnist_resnet_ptq', () => new FmnistResNet()],
    ['fmnist_lstm', 'fmnist_lstm_dynamic', () => new FmnistLSTM()],
  ] as [string, string, () => nn.Module][]) {
    it(name, () => {
      const model = make();
      // strict load: every torch state_dict key (incl. num_batches_tracked) maps onto an fxq parameter or buffer
      model.load_state_dict(weights(name));
      model.eval();
      const g = golden(golden_name);
      const logits = no_grad(() => model.call(g['input/x_fp32']) as Tensor);
      expect(logits.shape).toEqual([8, 10]);
      const diff = max_abs_diff(logits.data, g['fp32/logits'].data);
      if (process.env.FXQ_PRINT_DIFF) console.log(`${name}: max |logit diff| vs torch = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(2e-5);
    });
  }
});
