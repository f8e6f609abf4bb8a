/**
 * FmnistResNet, as the PyTorch reference (docs/reference/models.py) defines it (attribute names = PyTorch state_dict keys):
 * conv1 → bn1 → relu1 → layer1..3 (BasicBlock) → avgpool → flatten(1) → fc.
 */
import { add, flatten, Generator, nn, randn, type Tensor } from '../../index.js';
import { load_state_from_file, weights_path } from './common.js';

/**
 * conv3x3 (stride s) → bn1 → relu1 → conv3x3 → bn2, plus the identity or a 1×1 conv + BN `downsample`
 * when the shape changes; a plain add, then relu2. Shared with the torchvision-style resnet18.
 */
export class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu1: nn.ReLU;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Sequential | null;
  relu2: nn.ReLU;

  constructor(inplanes: number, planes: number, stride = 1) {
    super();
    // assigned in torch's order: children (and state_dict keys) are found in assignment order
    this.conv1 = new nn.Conv2d(inplanes, planes, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(planes);
    this.relu1 = new nn.ReLU();
    this.conv2 = new nn.Conv2d(planes, planes, 3, { stride: 1, padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample =
      stride !== 1 || inplanes !== planes
        ? new nn.Sequential(new nn.Conv2d(inplanes, planes, 1, { stride, bias: false }), new nn.BatchNorm2d(planes))
        : null;
    this.relu2 = new nn.ReLU();
  }

  forward(x: Tensor): Tensor {
    let identity = x;
    let out = this.relu1.forward(this.bn1.forward(this.conv1.forward(x)));
    out = this.bn2.forward(this.conv2.forward(out));
    if (this.downsample !== null) identity = this.downsample.forward(x);
    out = add(out, identity);
    return this.relu2.forward(out);
  }
}

/** A small residual net for 1×28×28 Fashion-MNIST images, 10 logits out. */
export class FmnistResNet extends nn.Module {
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
    x = this.layer1.forward(x);
    x = this.layer2.forward(x);
    x = this.layer3.forward(x);
    x = this.avgpool.forward(x);
    x = flatten(x, 1);
    return this.fc.forward(x);
  }
}

/** Model name: the weights file and ONNX file stem. */
export const name = 'fmnist_resnet';

/** A fresh, randomly initialised FmnistResNet. */
export default function create(): FmnistResNet {
  return new FmnistResNet();
}

/** One normalised-image-shaped input [1, 1, 28, 28] (seeded), for tracing and prepare_fx. */
export function example_inputs(): Tensor[] {
  return [randn([1, 1, 28, 28], { generator: new Generator(0) })];
}

/** Loads trained weights (default examples/weights/fmnist_resnet.safetensors) strictly; returns the model. */
export function load_weights(model: FmnistResNet, path: string = weights_path(name)): FmnistResNet {
  return load_state_from_file(model, path);
}
