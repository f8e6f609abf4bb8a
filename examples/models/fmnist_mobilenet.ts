/**
 * FmnistMobileNet: a small MobileNetV2/V3-style net for 1×28×28 Fashion-MNIST (about 74k parameters), built
 * to carry every pattern fxq must quantize on mobile models: depthwise 3×3 and 5×5 convs, ReLU6, Hardswish, an
 * inverted residual whose add has no ReLU, a two-branch cat whose branches end in conv+ReLU and conv+ReLU6,
 * `x.flatten(1)` (the tensor method) and Dropout. Trained with fxq's own loop: examples/train_fmnist_mobilenet.ts.
 */
import { cat, Generator, nn, randn, type Tensor } from '../../index.js';
import { load_state_from_file, weights_path } from './common.js';

/** conv → BatchNorm (no bias: the BN carries it), as torchvision's Conv2dNormActivation minus the activation. */
function conv_bn(cin: number, cout: number, k: number, stride = 1, groups = 1): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(cin, cout, k, { stride, padding: (k - 1) >> 1, groups, bias: false }),
    new nn.BatchNorm2d(cout),
  );
}

/** Stride-2 depthwise 3×3 + ReLU6, then a linear 1×1 projection (MobileNetV2's expand-ratio-1 block). */
export class DownBlock extends nn.Module {
  dw: nn.Sequential;
  act: nn.ReLU6;
  project: nn.Sequential;
  constructor(cin: number, cout: number) {
    super();
    this.dw = conv_bn(cin, cin, 3, 2, cin);
    this.act = new nn.ReLU6();
    this.project = conv_bn(cin, cout, 1);
  }
  forward(x: Tensor): Tensor {
    return this.project.forward(this.act.forward(this.dw.forward(x)));
  }
}

/**
 * Inverted residual: 1×1 expand + act, depthwise k×k (stride s) + act, linear 1×1 project; with stride 1 and equal
 * widths the input is added back with a plain add (no ReLU after it), as in MobileNetV2.
 */
export class InvertedResidual extends nn.Module {
  expand: nn.Sequential;
  act1: nn.ReLU6 | nn.Hardswish;
  dw: nn.Sequential;
  act2: nn.ReLU6 | nn.Hardswish;
  project: nn.Sequential;
  readonly use_res: boolean;
  constructor(cin: number, hidden: number, cout: number, k: number, stride: number, act: 'relu6' | 'hardswish') {
    super();
    const make = (): nn.ReLU6 | nn.Hardswish => (act === 'relu6' ? new nn.ReLU6() : new nn.Hardswish());
    this.expand = conv_bn(cin, hidden, 1);
    this.act1 = make();
    this.dw = conv_bn(hidden, hidden, k, stride, hidden);
    this.act2 = make();
    this.project = conv_bn(hidden, cout, 1);
    this.use_res = stride === 1 && cin === cout;
  }
  forward(x: Tensor): Tensor {
    let y = this.act1.forward(this.expand.forward(x));
    y = this.act2.forward(this.dw.forward(y));
    y = this.project.forward(y);
    return this.use_res ? x.add(y) : y;
  }
}

/** Two branches concatenated on channels: 1×1 conv+BN+ReLU, and depthwise 3×3+BN → 1×1 conv+BN+ReLU6. */
export class CatBlock extends nn.Module {
  branch1: nn.Sequential;
  relu: nn.ReLU;
  branch2_dw: nn.Sequential;
  branch2_pw: nn.Sequential;
  relu6: nn.ReLU6;
  constructor(cin: number, cout_each: number) {
    super();
    this.branch1 = conv_bn(cin, cout_each, 1);
    this.relu = new nn.ReLU();
    this.branch2_dw = conv_bn(cin, cin, 3, 1, cin);
    this.branch2_pw = conv_bn(cin, cout_each, 1);
    this.relu6 = new nn.ReLU6();
  }
  forward(x: Tensor): Tensor {
    const a = this.relu.forward(this.branch1.forward(x));
    const b = this.relu6.forward(this.branch2_pw.forward(this.branch2_dw.forward(x)));
    return cat([a, b], 1);
  }
}

/** 28×28 → stem (16, 28²) → DownBlock (32, 14²) → residual 5×5 Hardswish → (64, 7²) → cat (128) → MLP head. */
export class FmnistMobileNet extends nn.Module {
  stem = conv_bn(1, 16, 3);
  stem_act = new nn.ReLU6();
  block1 = new DownBlock(16, 32);
  block2 = new InvertedResidual(32, 72, 32, 5, 1, 'hardswish');
  block3 = new InvertedResidual(32, 128, 64, 3, 2, 'relu6');
  mix = new CatBlock(64, 64);
  avgpool = new nn.AdaptiveAvgPool2d(1);
  fc1 = new nn.Linear(128, 256);
  hardswish = new nn.Hardswish();
  dropout = new nn.Dropout(0.2);
  fc2 = new nn.Linear(256, 10);

  forward(x: Tensor): Tensor {
    x = this.stem_act.forward(this.stem.forward(x));
    x = this.block1.forward(x);
    x = this.block2.forward(x);
    x = this.block3.forward(x);
    x = this.mix.forward(x);
    x = this.avgpool.forward(x).flatten(1);
    x = this.dropout.forward(this.hardswish.forward(this.fc1.forward(x)));
    return this.fc2.forward(x);
  }
}

/** Model name: the weights file stem. */
export const name = 'fmnist_mobilenet';

/** A fresh, randomly initialised FmnistMobileNet. */
export default function create(): FmnistMobileNet {
  return new FmnistMobileNet();
}

/** One normalised-image-shaped input [1, 1, 28, 28] (seeded), for tracing and prepare_fx. */
export function example_inputs(): Tensor[] {
  return [randn([1, 1, 28, 28], { generator: new Generator(0) })];
}

/** Loads trained weights (default examples/weights/fmnist_mobilenet.safetensors) strictly; returns the model. */
export function load_weights(model: FmnistMobileNet, path: string = weights_path(name)): FmnistMobileNet {
  return load_state_from_file(model, path);
}
