/**
 * fp32 accuracy and throughput of the trained reference models (the three FMNIST_MODELS and FmnistViT; PyTorch
 * weights) on the Fashion-MNIST test set, next to PyTorch's accuracy from docs/reference/RESULTS.md.
 *
 *   npx tsx examples/eval_fp32.ts [--model fmnist_cnn] [--limit 10000] [--batch 250]
 */
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { load_fashion_mnist } from '../index.js';
import { EXAMPLE_MODELS } from './models/index.js';
import { predict_classes } from './models/predict.js';

const here = dirname(fileURLToPath(import.meta.url));
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const only = arg('model');
const batch = Number(arg('batch') ?? 250);
const { images, labels } = load_fashion_mnist(join(here, 'data', 'fashion-mnist'), 'test');
const n = Math.min(Number(arg('limit') ?? labels.shape[0]), labels.shape[0]);
const trained = EXAMPLE_MODELS.filter((m) => m.reference_accuracy !== undefined);
const models = trained.filter((m) => !only || m.name === only);
if (models.length === 0) throw new Error(`--model ${only}: unknown (have ${trained.map((m) => m.name).join(', ')})`);

console.log(`Fashion-MNIST test set, first ${n} images, batch ${batch}, fp32\n`);
console.log('| model | correct | accuracy | PyTorch (10k) | images/s | wall s |');
console.log('|---|---|---|---|---|---|');
for (const spec of models) {
  const model = spec.pretrained!().eval();
  let correct = 0;
  const t0 = performance.now();
  const predicted = predict_classes(model, images, n, batch);
  for (let i = 0; i < n; i++) if (predicted[i] === labels.data[i]) correct++;
  const secs = (performance.now() - t0) / 1000;
  const acc = ((100 * correct) / n).toFixed(2);
  const ref = ((spec.reference_accuracy ?? 0) * 100).toFixed(2);
  console.log(`| ${spec.name} | ${correct}/${n} | ${acc}% | ${ref}% | ${(n / secs).toFixed(0)} | ${secs.toFixed(1)} |`);
}
