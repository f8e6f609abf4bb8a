/**
 * Trains FmnistCNN from scratch in fxq as the reference did: Adam lr 1e-3 with a cosine schedule to 0
 * (stepped per batch), batch 128, seed 0; prints per-epoch loss, test accuracy, wall time and images/s,
 * and saves the weights (PyTorch state_dict names) with save_safetensors.
 *
 *   npx tsx examples/train_fmnist.ts --data /path/to/fashion-mnist [--epochs 2] [--out out/fmnist_cnn_fxq.safetensors]
 *
 * The full training set comes from --data DIR or $FXQ_DATA; without either, it trains on the 1,000
 * training images the repo carries (and says so). The test set is the repo's 10,000 images.
 */
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  DataLoader,
  Generator,
  load_fashion_mnist,
  manual_seed,
  nn,
  no_grad,
  optim,
  save_safetensors,
  Tensor,
  TensorDataset,
} from '../index.js';
import { arg } from './lib/args.js';
import { load_training_set } from './lib/fmnist_data.js';
import create from './models/fmnist_cnn.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo_data = join(here, 'data', 'fashion-mnist');
const data_dir = arg('data') ?? process.env.FXQ_DATA;
const epochs = Number(arg('epochs') ?? 2);
const batch_size = Number(arg('batch') ?? 128);
const out_path = arg('out') ?? join(here, '..', 'out', 'fmnist_cnn_fxq.safetensors');
const log_every = Number(arg('log-every') ?? 50);

const train = load_training_set(data_dir);
const test = load_fashion_mnist(repo_data, 'test');

manual_seed(0);
const model = create();
const loader = new DataLoader(new TensorDataset(train.images, train.labels), {
  batch_size,
  shuffle: true,
  generator: new Generator(0),
});
const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
const scheduler = new optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs * loader.length);
const criterion = new nn.CrossEntropyLoss();

/** Test accuracy (eval mode, no grad), in batches of 500. */
function evaluate(): number {
  model.eval();
  let correct = 0;
  const n = test.labels.shape[0];
  no_grad(() => {
    for (let s = 0; s < n; s += 500) {
      const m = Math.min(500, n - s);
      const y = model.forward(
        new Tensor(test.images.data.subarray(s * 784, (s + m) * 784), [m, 1, 28, 28], 'float32'),
      ).data;
      for (let i = 0; i < m; i++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (y[i * 10 + c] > y[i * 10 + best]) best = c;
        if (best === test.labels.data[s + i]) correct++;
      }
    }
  });
  return correct / n;
}

console.log(
  `FmnistCNN, ${epochs} epochs × ${loader.length} batches of ${batch_size}, Adam lr 1e-3, cosine → 0, seed 0`,
);
const t_start = performance.now();
let acc = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  model.train();
  const t0 = performance.now();
  let loss_sum = 0;
  let seen = 0;
  let step = 0;
  for (const [x, y] of loader) {
    optimizer.zero_grad();
    const loss = criterion.forward(model.forward(x), y);
    loss.backward();
    optimizer.step();
    scheduler.step();
    loss_sum += loss.item() * x.shape[0];
    seen += x.shape[0];
    if (++step % log_every === 0) {
      const s = (performance.now() - t0) / 1000;
      console.log(
        `  epoch ${epoch} step ${step}/${loader.length} loss ${(loss_sum / seen).toFixed(4)} ${(seen / s).toFixed(0)} img/s`,
      );
    }
  }
  const train_s = (performance.now() - t0) / 1000;
  acc = evaluate();
  console.log(
    `epoch ${epoch}: loss ${(loss_sum / seen).toFixed(4)}, test acc ${(100 * acc).toFixed(2)}%, train ${train_s.toFixed(1)} s, ${(seen / train_s).toFixed(0)} img/s`,
  );
}
const total_s = (performance.now() - t_start) / 1000;
save_safetensors(model.state_dict(), out_path, {
  format: 'pt',
  model: 'fmnist_cnn',
  trained_by: 'fxq examples/train_fmnist.ts',
});
console.log(
  `done: ${epochs} epochs, ${total_s.toFixed(1)} s wall, final test accuracy ${(100 * acc).toFixed(2)}%; saved ${out_path}`,
);
