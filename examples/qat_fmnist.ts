/**
 * Quantization-aware fine-tuning of FmnistCNN, eager mode, as the reference's QAT run: start from the
 * trained fp32 weights (examples/weights/fmnist_cnn.safetensors), fuse conv-bn-relu / linear-relu for QAT
 * (BatchNorm kept live: ConvBnReLU2d with simulated BN folding), prepare_qat with
 * get_default_qat_qconfig('qnnpack'), train one epoch with SGD(lr 1e-4, momentum 0.9), batch 128,
 * shuffled with seed 0 (observers and BN statistics left on, as the reference), then eval + convert to
 * int8. Reports fp32, PTQ-int8 (same model, eager static PTQ with the reference's per-tensor qnnpack
 * qconfig and calibration) and QAT-int8 test accuracy, and the epoch time.
 *
 *   npx tsx examples/qat_fmnist.ts [--data DIR] [--steps N] [--batch 128] [--lr 1e-4] [--test N] [--backend wasm|js]
 *
 * Training runs on the wasm backend by default (its fp32 GEMMs make a step ~2x faster than js).
 *
 * The training set is --data DIR or $FXQ_DATA (60,000 images); without either it falls back to the
 * 1,000 training images the repo carries and says so (the accuracy is then not comparable).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DataLoader,
  Generator,
  load_fashion_mnist,
  manual_seed,
  nn,
  optim,
  quantization as Q,
  TensorDataset,
} from '../index.js';
import { set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { calibrate, evaluate_accuracy, top1_agreement } from './lib/evaluate.js';
import { load_calibration_images, load_test_images, REPO_DATA_DIR } from './lib/fmnist_data.js';
import { FmnistCNN, load_weights } from './models/fmnist_cnn.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const data_dir = arg('data') ?? process.env.FXQ_DATA;
const max_steps = arg('steps') === undefined ? Number.POSITIVE_INFINITY : Number(arg('steps'));
const batch_size = Number(arg('batch') ?? 128);
const lr = Number(arg('lr') ?? 1e-4);
const test_n = Number(arg('test') ?? 10000);
const backend = arg('backend') ?? 'wasm';
if (backend !== 'js' && backend !== 'wasm') throw new Error(`--backend must be js or wasm, got ${backend}`);
if (backend === 'wasm') load_wasm_backend();
set_backend(backend);
console.log(`backend: ${backend}`);

const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
const has_train = (d: string) =>
  existsSync(join(d, 'train-images-idx3-ubyte.gz')) || existsSync(join(d, 'train-images-idx3-ubyte'));

let train: { images: import('../index.js').Tensor; labels: import('../index.js').Tensor };
if (data_dir && has_train(data_dir)) {
  train = load_fashion_mnist(data_dir, 'train');
  console.log(`training set: ${data_dir} (${train.labels.shape[0]} images)`);
} else {
  if (data_dir) console.log(`no Fashion-MNIST training files in ${data_dir}`);
  train = load_fashion_mnist(REPO_DATA_DIR, 'train-first1000');
  console.log(
    `training set: only the ${train.labels.shape[0]} training images the repo carries (pass --data DIR or set FXQ_DATA for the full 60,000); the QAT figure is then NOT comparable to the reference`,
  );
}
const test = load_test_images({ limit: test_n });
const cal = load_calibration_images();
console.log(`test set: ${test.source}; calibration: ${cal.source}`);

const FUSE_GROUPS = [
  ['conv1', 'bn1', 'relu1'],
  ['conv2', 'bn2', 'relu2'],
  ['fc1', 'relu3'],
];

// ---- fp32
const fp32 = load_weights(new FmnistCNN()).eval();
const acc_fp32 = evaluate_accuracy(fp32, test);
console.log(`fp32: ${pct(acc_fp32.accuracy)}`);

// ---- PTQ int8 (eager static; per-tensor qnnpack qconfig, first 1000 training images in batches of 50)
const t_ptq = performance.now();
const ptq_model = new Q.QuantWrapper(Q.fuse_modules(fp32, FUSE_GROUPS));
ptq_model.qconfig = Q.get_default_qconfig('qnnpack');
const ptq_prepared = Q.prepare(ptq_model);
calibrate(ptq_prepared, cal.images, { batch_size: 50 });
const ptq = Q.convert(ptq_prepared);
const acc_ptq = evaluate_accuracy(ptq, test);
console.log(
  `PTQ int8: ${pct(acc_ptq.accuracy)} (top-1 agreement with fp32 ${pct(top1_agreement(acc_fp32.predictions, acc_ptq.predictions))}; prepare+calibrate+convert ${((performance.now() - t_ptq) / 1000).toFixed(1)} s)`,
);

// ---- QAT
manual_seed(0);
const float_model = load_weights(new FmnistCNN()).train();
const qat_model = new Q.QuantWrapper(Q.fuse_modules_qat(float_model, FUSE_GROUPS));
qat_model.qconfig = Q.get_default_qat_qconfig('qnnpack');
const prepared = Q.prepare_qat(qat_model);
const loader = new DataLoader(new TensorDataset(train.images, train.labels), {
  batch_size,
  shuffle: true,
  generator: new Generator(0),
});
const optimizer = new optim.SGD(prepared.parameters(), { lr, momentum: 0.9 });
const criterion = new nn.CrossEntropyLoss();
const steps = Math.min(loader.length, max_steps);
console.log(`QAT: 1 epoch, ${steps} of ${loader.length} batches of ${batch_size}, SGD lr ${lr} momentum 0.9, seed 0`);
prepared.train();
const t0 = performance.now();
let step = 0;
let loss_sum = 0;
let seen = 0;
for (const [x, y] of loader) {
  if (step >= steps) break;
  optimizer.zero_grad();
  const loss = criterion.forward(prepared.forward(x), y);
  loss.backward();
  optimizer.step();
  loss_sum += loss.item() * x.shape[0];
  seen += x.shape[0];
  if (++step % 50 === 0 || step === steps) {
    const s = (performance.now() - t0) / 1000;
    console.log(
      `  step ${step}/${steps} loss ${(loss_sum / seen).toFixed(4)} ${(seen / s).toFixed(0)} img/s, ${s.toFixed(0)} s`,
    );
  }
}
const epoch_s = (performance.now() - t0) / 1000;
prepared.eval();
const acc_fq = evaluate_accuracy(prepared, test);
const qat = Q.convert(prepared);
const acc_qat = evaluate_accuracy(qat, test);
console.log(`QAT fake-quant model: ${pct(acc_fq.accuracy)}`);
console.log(
  `QAT int8: ${pct(acc_qat.accuracy)} (top-1 agreement with fp32 ${pct(top1_agreement(acc_fp32.predictions, acc_qat.predictions))})`,
);
console.log(
  `summary: fp32 ${pct(acc_fp32.accuracy)} | PTQ int8 ${pct(acc_ptq.accuracy)} | QAT int8 ${pct(acc_qat.accuracy)} (PyTorch QAT 90.43%) | epoch ${epoch_s.toFixed(1)} s for ${seen} images on ${backend} (PyTorch: 72 s, 2 threads)`,
);
