/**
 * Writes tests/fixtures/reference/fp32_predictions.json: the PyTorch-equivalent fp32 predictions of the
 * trained reference models on the Fashion-MNIST test set, computed by onnxruntime-web (wasm) on the
 * reference ONNX exports (docs/reference/RESULTS.md §3: 100% top-1 agreement with PyTorch fp32, same accuracy).
 * The fp32 model tests compare fxq's predictions and correct counts with it, so they need no reference folder.
 *
 *   npx tsx scripts/make_fp32_reference.ts <dir with the reference fmnist_*.onnx exports> [model ...]
 *
 * With model names (e.g. `fmnist_vit`) only those entries are recomputed; the others in the file are kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { load_fashion_mnist, write_file_atomic } from '../runtime/io/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const onnx_dir = process.argv[2];
if (!onnx_dir) {
  console.error(
    'usage: npx tsx scripts/make_fp32_reference.ts <dir with fmnist_cnn.onnx, fmnist_resnet.onnx, fmnist_lstm.onnx, fmnist_vit.onnx> [model ...]',
  );
  process.exit(2);
}
const out_path = join(root, 'tests', 'fixtures', 'reference', 'fp32_predictions.json');
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;

const { images, labels } = load_fashion_mnist(join(root, 'examples', 'data', 'fashion-mnist'), 'test');
const n = labels.shape[0];
// the LSTM export is only safe at fixed batch sizes (docs/reference/RESULTS.md: verified with 500)
const batch = 500;
const ALL_MODELS = ['fmnist_cnn', 'fmnist_resnet', 'fmnist_lstm', 'fmnist_vit'];
const chosen = process.argv.length > 3 ? process.argv.slice(3) : ALL_MODELS;
for (const m of chosen)
  if (!ALL_MODELS.includes(m)) throw new Error(`unknown model '${m}' (have ${ALL_MODELS.join(', ')})`);
const previous = existsSync(out_path) ? (JSON.parse(readFileSync(out_path, 'utf8')) as Record<string, unknown>) : {};
const out: Record<string, unknown> = {
  ...previous,
  source:
    'onnxruntime-web 1.30 wasm on the reference <model>.onnx exports, Fashion-MNIST test set, argmax of fp32 logits',
};
for (const model of chosen) {
  const session = await ort.InferenceSession.create(readFileSync(join(onnx_dir, `${model}.onnx`)), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const preds = new Uint8Array(n);
  for (let s = 0; s < n; s += batch) {
    const x = new ort.Tensor('float32', images.data.subarray(s * 784, (s + batch) * 784) as Float32Array, [
      batch,
      1,
      28,
      28,
    ]);
    const y = (await session.run({ input: x })).logits.data as Float32Array;
    for (let i = 0; i < batch; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (y[i * 10 + c] > y[i * 10 + best]) best = c;
      preds[s + i] = best;
    }
  }
  const correct = (m: number) => preds.subarray(0, m).reduce((acc, p, i) => acc + (p === labels.data[i] ? 1 : 0), 0);
  out[model] = {
    correct_first1000: correct(1000),
    correct_test10k: correct(n),
    accuracy_test10k: correct(n) / n,
    predictions: Array.from(preds).join(''),
  };
  console.log(`${model}: ${correct(n)}/${n} = ${((100 * correct(n)) / n).toFixed(2)}%, first 1000: ${correct(1000)}`);
}
write_file_atomic(out_path, new TextEncoder().encode(`${JSON.stringify(out, null, 1)}\n`));
console.log(`wrote ${out_path}`);
