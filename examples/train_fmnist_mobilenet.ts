/**
 * Trains FmnistMobileNet (examples/models/fmnist_mobilenet.ts) from scratch with fxq's own autograd and optimiser:
 * AdamW lr 2e-3, weight decay 1e-4, batch 128, seed 0, at most --epochs passes over a shuffled training set. The
 * cosine schedule runs over a wall-time budget (--minutes, default 30) rather than a step count, because this
 * machine's speed varies several-fold with its load: the run stops when the budget is spent (or the epochs end) with
 * the learning rate at 0, and records how many steps it took. At the end of each full epoch it writes a checkpoint
 * (`<out>.epochN.safetensors`, with that epoch's test accuracy) so a run cut short still leaves weights. Saves the
 * final weights (state_dict names) with save_safetensors.
 *
 *   nice npx tsx examples/train_fmnist_mobilenet.ts --data /path/to/fashion-mnist [--minutes 30] [--epochs 1]
 *     [--out examples/weights/fmnist_mobilenet.safetensors]
 */
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  DataLoader,
  Generator,
  load_fashion_mnist,
  load_wasm_backend,
  manual_seed,
  nn,
  no_grad,
  optim,
  save_safetensors,
  set_backend,
  Tensor,
  TensorDataset,
} from '../index.js';
import { arg } from './lib/args.js';
import { load_training_set } from './lib/fmnist_data.js';
import create, { name } from './models/fmnist_mobilenet.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo_data = join(here, 'data', 'fashion-mnist');
const data_dir = arg('data') ?? process.env.FXQ_DATA;
const epochs = Number(arg('epochs') ?? 1);
const minutes = Number(arg('minutes') ?? 30);
const batch_size = 128;
const lr = 2e-3;
const out_path = arg('out') ?? join(here, '..', 'out', `${name}_fxq.safetensors`);

const train = load_training_set(data_dir);
const test = load_fashion_mnist(repo_data, 'test');
load_wasm_backend();
set_backend('wasm'); // fp32 conv / sgemm in wasm SIMD: the float results match js to rounding, not bit for bit

manual_seed(0);
const model = create();
const loader = new DataLoader(new TensorDataset(train.images, train.labels), {
  batch_size,
  shuffle: true,
  generator: new Generator(0),
});
const optimizer = new optim.AdamW(model.parameters(), { lr, weight_decay: 1e-4 });
const criterion = new nn.CrossEntropyLoss();

function evaluate(): number {
  model.eval();
  let correct = 0;
  const n = test.labels.shape[0];
  no_grad(() => {
    for (let s = 0; s < n; s += 500) {
      const m = Math.min(500, n - s);
      const x = new Tensor(test.images.data.subarray(s * 784, (s + m) * 784), [m, 1, 28, 28], 'float32');
      const pred = model.forward(x).argmax(1).data;
      for (let i = 0; i < m; i++) if (Number(pred[i]) === test.labels.data[s + i]) correct++;
    }
  });
  return correct / n;
}

/** Weights after a full epoch (mid-schedule: the learning rate is not yet 0), next to the final output. */
function checkpoint(epoch: number): void {
  const acc = evaluate();
  const path = `${out_path.replace(/\.safetensors$/, '')}.epoch${epoch}.safetensors`;
  save_safetensors(model.state_dict(), path, {
    format: 'pt',
    model: name,
    trained_by: 'fxq examples/train_fmnist_mobilenet.ts (epoch checkpoint)',
    epoch: String(epoch),
    steps: String(steps),
    test_accuracy: acc.toFixed(4),
  });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `epoch ${epoch}: ${steps} steps, test accuracy ${(100 * acc).toFixed(2)}% at ${s.toFixed(0)} s; saved ${path}`,
  );
}

const budget_ms = minutes * 60_000;
console.log(
  `${name}: ≤ ${epochs} epoch(s) of ${loader.length} batches of ${batch_size}, ≤ ${minutes} min, AdamW ${lr}`,
);
const t0 = performance.now();
let steps = 0;
let seen = 0;
let loss_sum = 0;
let done = false;
for (let epoch = 1; epoch <= epochs && !done; epoch++) {
  model.train();
  for (const [x, y] of loader) {
    const frac = (performance.now() - t0) / budget_ms;
    if (frac >= 1) {
      done = true;
      break;
    }
    for (const group of optimizer.param_groups) group.lr = 0.5 * lr * (1 + Math.cos(Math.PI * frac));
    optimizer.zero_grad();
    const loss = criterion.forward(model.forward(x), y);
    loss.backward();
    optimizer.step();
    loss_sum += loss.item() * x.shape[0];
    seen += x.shape[0];
    if (++steps % 20 === 0) {
      const s = (performance.now() - t0) / 1000;
      console.log(`  step ${steps} (${seen} images) loss ${(loss_sum / seen).toFixed(4)} ${s.toFixed(0)} s`);
      loss_sum = 0;
      seen = 0;
    }
  }
  if (!done) checkpoint(epoch);
}
const train_s = (performance.now() - t0) / 1000;
const acc = evaluate();
save_safetensors(model.state_dict(), out_path, {
  format: 'pt',
  model: name,
  trained_by: 'fxq examples/train_fmnist_mobilenet.ts',
  steps: String(steps),
  test_accuracy: acc.toFixed(4),
});
console.log(
  `done: ${steps} steps of ${batch_size} in ${train_s.toFixed(0)} s, test accuracy ${(100 * acc).toFixed(2)}%; saved ${out_path}`,
);
