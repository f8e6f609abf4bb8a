/**
 * The three reference models built from fxq layers, loaded with PyTorch's trained weights, must
 * reproduce PyTorch 1.13's fp32 logits on the golden images (tests/fixtures/reference/golden).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { add, load_safetensors, nn, no_grad, type Tensor } from '../../../index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const golden = (name: string) => load_safetensors(join(root, 'tests/fixtures/reference/golden', `${name}.safetensors`));
const weights = (name: string) => load_safetensors(join(root, 'examples/weights', `${name}.safetensors`));

class FmnistCNN extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, { padding: 1 });
  bn1 = new nn.BatchNorm2d(32);
  relu1 = new nn.ReLU();
  pool1 = new nn.MaxPool2d(2);
  conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
  bn2 = new nn.BatchNorm2d(64);
  relu2 = new nn.ReLU();
  pool2 = new nn.MaxPool2d(2);
  fc1 = new nn.Linear(64 * 7 * 7, 128);
  relu3 = new nn.ReLU();
  fc2 = new nn.Linear(128, 10);
  forward(x: Tensor): Tensor {
    x = this.pool1.forward(this.relu1.forward(this.bn1.forward(this.conv1.forward(x))));
    x = this.pool2.forward(this.relu2.forward(this.bn2.forward(this.conv2.forward(x))));
    return this.fc2.forward(this.relu3.forward(this.fc1.forward(x.flatten(1))));
  }
}

class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu1 = new nn.ReLU();
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Sequential | null;
  relu2 = new nn.ReLU();
  constructor(inp: number, planes: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(inp, planes, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = new nn.Conv2d(planes, planes, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample =
      stride !== 1 || inp !== planes
        ? new nn.Sequential(new nn.Conv2d(inp, planes, 1, { stride, bias: false }), new nn.BatchNorm2d(planes))
        : null;
  }
  forward(x: Tensor): Tensor {
    const out = this.bn2.forward(this.conv2.forward(this.relu1.forward(this.bn1.forward(this.conv1.forward(x)))));
    return this.relu2.forward(add(out, this.downsample ? this.downsample.forward(x) : x));
  }
}

class FmnistResNet extends nn.Module {
  conv1 = new nn.Conv2d(1, 16, 3, { padding: 1, bias: false });
  bn1 = new nn.BatchNorm2d(16);
  relu1 = new nn.ReLU();
  layer1 = new BasicBlock(16, 16, 1);
  layer2 = new BasicBlock(16, 32, 2);
  layer3 = new BasicBlock(32, 64, 2);
  avgpool = new nn.AdaptiveAvgPool2d(1);
  fc = new nn.Linear(64, 10);
  forward(x: Tensor): Tensor {
    x = this.relu1.forward(this.bn1.forward(this.conv1.forward(x)));
    x = this.layer3.forward(this.layer2.forward(this.layer1.forward(x)));
    return this.fc.forward(this.avgpool.forward(x).flatten(1));
  }
}

class FmnistLSTM extends nn.Module {
  lstm = new nn.LSTM(28, 128, { batch_first: true });
  fc = new nn.Linear(128, 10);
  forward(x: Tensor): Tensor {
    const [out] = this.lstm.forward(x.reshape(x.shape[0], 28, 28));
    return this.fc.forward(out.select(1, -1));
  }
}

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
