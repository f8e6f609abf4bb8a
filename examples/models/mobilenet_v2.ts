/**
 * torchvision's mobilenet_v2 architecture (width 1.0, 3×224×224 in, 1000 classes, 3,504,872 parameters) with
 * random weights: the mobile-class model for latency benchmarks (its ONNX counterparts are
 * reference/onnx/mobilenet_v2.onnx and mobilenet_v2_qdq.onnx). State-dict keys match torchvision's:
 * `features.0.0.weight` (stem conv), `features.N.conv.M…` (inverted residuals), `features.18.*`, `classifier.1.*`,
 * so reference/weights/mobilenet_v2.safetensors loads strictly.
 */
import { F, flatten, Generator, nn, randn, type Tensor } from '../../index.js';
import { load_state_from_file } from './common.js';

/** torchvision's Conv2dNormActivation with ReLU6: Sequential(conv (no bias), BatchNorm2d, ReLU6), 'same'-style padding. */
export function conv_bn_relu6(cin: number, cout: number, k: number, stride = 1, groups = 1): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(cin, cout, k, { stride, padding: (k - 1) >> 1, groups, bias: false }),
    new nn.BatchNorm2d(cout),
    new nn.ReLU6(),
  );
}

/**
 * torchvision's InvertedResidual: `conv` = [1×1 expand (Conv2dNormActivation, when expand_ratio ≠ 1),
 * depthwise 3×3 (Conv2dNormActivation), 1×1 project conv, BatchNorm2d]; x + conv(x) when stride 1 and inp = oup.
 */
export class InvertedResidual extends nn.Module {
  conv: nn.Sequential;
  readonly use_res_connect: boolean;
  constructor(inp: number, oup: number, stride: number, expand_ratio: number) {
    super();
    const hidden = Math.round(inp * expand_ratio);
    const layers: nn.Module[] = [];
    if (expand_ratio !== 1) layers.push(conv_bn_relu6(inp, hidden, 1));
    layers.push(
      conv_bn_relu6(hidden, hidden, 3, stride, hidden),
      new nn.Conv2d(hidden, oup, 1, { bias: false }),
      new nn.BatchNorm2d(oup),
    );
    this.conv = new nn.Sequential(...layers);
    this.use_res_connect = stride === 1 && inp === oup;
  }
  forward(x: Tensor): Tensor {
    return this.use_res_connect ? x.add(this.conv.forward(x)) : this.conv.forward(x);
  }
}

/** torchvision's inverted_residual_setting for width 1.0: expansion t, channels c, repeats n, first stride s. */
const SETTING: readonly [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** MobileNetV2 (torchvision.models.mobilenet_v2 layout, width_mult 1.0). */
export class MobileNetV2 extends nn.Module {
  features: nn.Sequential;
  classifier: nn.Sequential;
  constructor(num_classes = 1000, dropout = 0.2) {
    super();
    const layers: nn.Module[] = [conv_bn_relu6(3, 32, 3, 2)];
    let input_channel = 32;
    for (const [t, c, n, s] of SETTING) {
      for (let i = 0; i < n; i++) {
        layers.push(new InvertedResidual(input_channel, c, i === 0 ? s : 1, t));
        input_channel = c;
      }
    }
    layers.push(conv_bn_relu6(input_channel, 1280, 1));
    this.features = new nn.Sequential(...layers);
    this.classifier = new nn.Sequential(new nn.Dropout(dropout), new nn.Linear(1280, num_classes));
  }
  forward(x: Tensor): Tensor {
    x = this.features.forward(x);
    // torchvision: nn.functional.adaptive_avg_pool2d(x, (1, 1)) then torch.flatten(x, 1)
    x = flatten(F.adaptive_avg_pool2d(x, [1, 1]), 1);
    return this.classifier.forward(x);
  }
}

/** Model name (the ONNX file stem). */
export const name = 'mobilenet_v2';

/** A fresh MobileNetV2 with random weights. */
export default function create(): MobileNetV2 {
  return new MobileNetV2();
}

/** One input [1, 3, 224, 224] (seeded). */
export function example_inputs(): Tensor[] {
  return [randn([1, 3, 224, 224], { generator: new Generator(0) })];
}

/** Loads a torchvision-named state_dict (e.g. the shared reference/weights/mobilenet_v2.safetensors) strictly. */
export function load_weights(model: MobileNetV2, path: string): MobileNetV2 {
  return load_state_from_file(model, path);
}
