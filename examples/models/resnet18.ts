/**
 * torchvision's resnet18 architecture (3×224×224 in, 1000 classes, BasicBlock ×[2, 2, 2, 2]) with random
 * weights: a larger model for latency benchmarks (its ONNX counterpart is reference/onnx/resnet18.onnx).
 * State-dict keys match torchvision's (`layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, …);
 * the blocks name their two ReLUs relu1/relu2 where torchvision reuses one (ReLU has no state).
 */
import { flatten, Generator, nn, randn, type Tensor } from '../../index.js';
import { BasicBlock } from './fmnist_resnet.js';

function make_layer(inplanes: number, planes: number, stride: number): nn.Sequential {
  return new nn.Sequential(new BasicBlock(inplanes, planes, stride), new BasicBlock(planes, planes, 1));
}

/** ResNet-18 (torchvision.models.resnet18 layout). */
export class ResNet18 extends nn.Module {
  conv1 = new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
  bn1 = new nn.BatchNorm2d(64);
  relu = new nn.ReLU();
  maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
  layer1 = make_layer(64, 64, 1);
  layer2 = make_layer(64, 128, 2);
  layer3 = make_layer(128, 256, 2);
  layer4 = make_layer(256, 512, 2);
  avgpool = new nn.AdaptiveAvgPool2d(1);
  fc: nn.Linear;

  constructor(num_classes = 1000) {
    super();
    this.fc = new nn.Linear(512, num_classes);
  }

  forward(x: Tensor): Tensor {
    x = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
    x = this.layer1.forward(x);
    x = this.layer2.forward(x);
    x = this.layer3.forward(x);
    x = this.layer4.forward(x);
    x = flatten(this.avgpool.forward(x), 1);
    return this.fc.forward(x);
  }
}

/** Model name (the ONNX file stem). */
export const name = 'resnet18';

/** A fresh ResNet-18 with random weights. */
export default function create(): ResNet18 {
  return new ResNet18();
}

/** One input [1, 3, 224, 224] (seeded). */
export function example_inputs(): Tensor[] {
  return [randn([1, 3, 224, 224], { generator: new Generator(0) })];
}
