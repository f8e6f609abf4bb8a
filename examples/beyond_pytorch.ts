/**
 * The opt-in `fxq` backend config against PyTorch 1.13 parity (`qnnpack`, the default): 10k Fashion-MNIST test
 * accuracy of FX static PTQ, per-tensor (get_default_qconfig('qnnpack')) and per-channel
 * (get_default_qconfig('wasm')) weights; calibration on the first 1,000 training images in batches of 50, in
 * order; int8 on the wasm backend. With --ablations [a,b], also the fxq config with only one change (each, or a, b).
 *
 *   nice npx tsx examples/beyond_pytorch.ts [--model fmnist_mobilenet|fmnist_cnn|fmnist_resnet|fmnist_vit|all]
 *     [--weights FILE (FmnistMobileNet)] [--limit 10000] [--ablations [change,change]]
 */
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { convert_fx } from '../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../compiler/quantize_fx/prepare.js';
import {
  load_fashion_mnist,
  load_wasm_backend,
  type nn,
  no_grad,
  quantization,
  set_backend,
  Tensor,
} from '../index.js';
import {
  type BackendConfig,
  FXQ_CHANGES,
  get_fxq_backend_config,
  get_qnnpack_backend_config,
} from '../runtime/quantized/op_catalogue/index.js';
import { arg } from './lib/args.js';
import { REPO_DATA_DIR } from './lib/fmnist_data.js';
import fmnist_mobilenet, { load_weights as load_mobilenet } from './models/fmnist_mobilenet.js';
import { FMNIST_MODELS, FMNIST_VIT } from './models/index.js';

const which = arg('model') ?? 'all';
const limit = Number(arg('limit') ?? 10_000);
// --ablations a,b: also the fxq config with only change a, only b (default: every change)
const ablation_arg = process.argv.includes('--ablations') ? (arg('ablations') ?? '') : null;
const ablations =
  ablation_arg === null
    ? []
    : ablation_arg === '' || ablation_arg.startsWith('--')
      ? FXQ_CHANGES.map((c) => c.name)
      : ablation_arg.split(',');
load_wasm_backend();
set_backend('wasm');

const test = load_fashion_mnist(REPO_DATA_DIR, 'test');
const calib = load_fashion_mnist(REPO_DATA_DIR, 'train-first1000').images;
const n = Math.min(limit, test.labels.shape[0]);

const models: [string, () => nn.Module][] = [
  ['fmnist_mobilenet', () => load_mobilenet(fmnist_mobilenet(), arg('weights'))],
  ...[...FMNIST_MODELS.filter((m) => m.name !== 'fmnist_lstm'), FMNIST_VIT].map((m): [string, () => nn.Module] => [
    m.name,
    () => (m.pretrained as () => nn.Module)(),
  ]),
];

function accuracy(model: nn.Module): number {
  let correct = 0;
  no_grad(() => {
    for (let s = 0; s < n; s += 500) {
      const m = Math.min(500, n - s);
      const x = new Tensor(test.images.data.subarray(s * 784, (s + m) * 784), [m, 1, 28, 28], 'float32');
      let y = (model as unknown as { forward(x: Tensor): Tensor }).forward(x);
      if (y.is_quantized) y = y.dequantize();
      const pred = y.argmax(1).data;
      for (let i = 0; i < m; i++) if (Number(pred[i]) === Number(test.labels.data[s + i])) correct++;
    }
  });
  return (100 * correct) / n;
}

function quantize(model: nn.Module, qconfig: quantization.QConfig, config: BackendConfig): GraphModule {
  const example = [new Tensor(calib.data.slice(0, 784), [1, 1, 28, 28], 'float32')];
  const prepared = prepare_fx(model, { '': qconfig }, example, null, { backend_config: config, warn: false });
  no_grad(() => {
    for (let s = 0; s < 1000; s += 50)
      prepared.forward(new Tensor(calib.data.slice(s * 784, (s + 50) * 784), [50, 1, 28, 28], 'float32'));
  });
  return convert_fx(prepared, { backend: 'wasm', warn: false });
}

const configs: [string, BackendConfig][] = [
  ['parity (qnnpack)', get_qnnpack_backend_config()],
  ['fxq (opt-in)', get_fxq_backend_config()],
  ...ablations.map((c): [string, BackendConfig] => [`fxq only ${c}`, get_fxq_backend_config({ changes: [c] })]),
];
const schemes: [string, quantization.QConfig][] = [
  ['per-tensor', quantization.get_default_qconfig('qnnpack')],
  ['per-channel', quantization.get_default_qconfig('wasm')],
];

console.log(`| model | fp32 | ${configs.flatMap(([c]) => schemes.map(([s]) => `${c} ${s}`)).join(' | ')} |`);
for (const [name, make] of models) {
  if (which !== 'all' && which !== name) continue;
  const fp32 = make().eval();
  const cells = [accuracy(fp32).toFixed(2)];
  for (const [cname, config] of configs) {
    for (const [sname, qconfig] of schemes) {
      const acc = accuracy(quantize(fp32, qconfig, config));
      cells.push(acc.toFixed(2));
      console.error(`${name} ${cname} ${sname}: ${acc.toFixed(2)}% (${n} test images)`);
    }
  }
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
