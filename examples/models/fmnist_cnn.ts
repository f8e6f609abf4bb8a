/**
 * FmnistCNN, as /work/shared/reference/models.py defines it (attribute names = PyTorch state_dict keys):
 * conv1 → bn1 → relu1 → pool1 → conv2 → bn2 → relu2 → pool2 → flatten(1) → fc1 → relu3 → fc2.
 */
import { flatten, Generator, nn, randn, type Tensor } from '../../index.js';
import { load_state_from_file, weights_path } from './common.js';

/** A small conv net for 1×28×28 Fashion-MNIST images, 10 logits out. */
export class FmnistCNN extends nn.Module {
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
    x = flatten(x, 1);
    x = this.relu3.forward(this.fc1.forward(x));
    return this.fc2.forward(x);
  }
}

/** Model name: the weights file and ONNX file stem. */
export const name = 'fmnist_cnn';

/** A fresh, randomly initialised FmnistCNN. */
export default function create(): FmnistCNN {
  return new FmnistCNN();
}

/** One normalised-image-shaped input [1, 1, 28, 28] (seeded), for tracing and prepare_fx. */
export function example_inputs(): Tensor[] {
  return [randn([1, 1, 28, 28], { generator: new Generator(0) })];
}

/** Loads trained weights (default examples/weights/fmnist_cnn.safetensors) strictly; returns the model. */
export function load_weights(model: FmnistCNN, path: string = weights_path(name)): FmnistCNN {
  return load_state_from_file(model, path);
}
