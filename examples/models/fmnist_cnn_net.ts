/**
 * FmnistCNN's class alone, importing only the browser-safe core (examples/browser bundles it);
 * fmnist_cnn.ts is the model file (weights from a path, example inputs) built on it.
 */
import { flatten, nn, type Tensor } from '../../browser.js';

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
