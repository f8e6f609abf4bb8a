/**
 * Dynamic quantization of FmnistLSTM (the reference's recipe: quantize_dynamic(model, {nn.LSTM, nn.Linear},
 * qint8)): test accuracy of fp32, dynamic qint8 and float16-weight models, state_dict size, and latency at
 * batch 1 and 32 on the js and wasm backends (median of timed calls, same process, one run).
 *
 *   npx tsx examples/dynamic_lstm.ts [--test N] [--budget-ms 1500]
 *
 * PyTorch (docs/reference/RESULTS.md): fp32 86.37%, dynamic int8 86.23%, state_dict 322.8 KiB → 90.4 KiB.
 */
import { performance } from 'node:perf_hooks';
import { nn, no_grad, quantization as Q } from '../index.js';
import { get_backend, set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { evaluate_accuracy, state_dict_nbytes, top1_agreement } from './lib/evaluate.js';
import { image_batch, load_test_images } from './lib/fmnist_data.js';
import { type BackendName, time_model, timing_for, with_backend } from './lib/latency.js';
import { FmnistLSTM, load_weights } from './models/fmnist_lstm.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const test_n = Number(arg('test') ?? 10000);
const budget_ms = Number(arg('budget-ms') ?? 1500);
const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

const test = load_test_images({ limit: test_n });
const fp32 = load_weights(new FmnistLSTM()).eval();
const int8 = Q.quantize_dynamic(fp32, new Set([nn.LSTM, nn.Linear]), 'qint8');
const fp16 = Q.quantize_dynamic(fp32, new Set([nn.LSTM, nn.Linear]), 'float16');
console.log(int8.toString());

const models: [string, nn.Module][] = [
  ['fp32', fp32],
  ['dynamic qint8', int8],
  ['float16 weights', fp16],
];
const t0 = performance.now();
const acc = models.map(([name, m]) => {
  const r = evaluate_accuracy(m, test);
  return { name, r };
});
console.log(`accuracy on ${test.source} (${((performance.now() - t0) / 1000).toFixed(1)} s):`);
for (const { name, r } of acc)
  console.log(
    `  ${name.padEnd(16)} ${pct(r.accuracy)}  top-1 agreement with fp32 ${pct(top1_agreement(acc[0].r.predictions, r.predictions))}`,
  );
// the wasm backend runs its own LSTM kernels (resident buffers, fused cell): its accuracy on the same images
load_wasm_backend();
const prev_backend = get_backend().name;
set_backend('wasm');
const t1 = performance.now();
const acc_wasm = models.slice(0, 2).map(([name, m]) => ({ name, r: evaluate_accuracy(m, test) }));
set_backend(prev_backend);
console.log(`accuracy on the wasm backend (${((performance.now() - t1) / 1000).toFixed(1)} s):`);
for (const [i, { name, r }] of acc_wasm.entries())
  console.log(
    `  ${name.padEnd(16)} ${pct(r.accuracy)}  top-1 agreement with the ${prev_backend} backend ${pct(top1_agreement(acc[i].r.predictions, r.predictions))}`,
  );
const fp16_bytes =
  (fp16.lstm as unknown as Q.float16_dynamic.LSTMFP16).packed_nbytes() +
  (fp16.fc as unknown as Q.float16_dynamic.LinearFP16).packed_nbytes();
console.log(
  `size: fp32 state_dict ${kib(state_dict_nbytes(fp32))}, dynamic qint8 ${kib(state_dict_nbytes(int8))} (${(state_dict_nbytes(fp32) / state_dict_nbytes(int8)).toFixed(2)}x smaller), float16 weights ${kib(fp16_bytes)} packed`,
);

console.log(`latency (median ms per call, one process, budget ${budget_ms} ms per cell):`);
const rows: string[] = [];
for (const batch of [1, 32]) {
  const x = image_batch(test.images, 0, batch);
  for (const backend of ['js', 'wasm'] as BackendName[]) {
    const cells: number[] = [];
    for (const [, m] of models.slice(0, 2)) {
      const t = performance.now();
      no_grad(() => m.call(x));
      const first = performance.now() - t;
      cells.push(time_model(m, x, backend, timing_for(first, budget_ms)).median_ms);
    }
    rows.push(
      `  batch ${String(batch).padStart(2)} ${backend.padEnd(4)}  fp32 ${cells[0].toFixed(3)}  dynamic int8 ${cells[1].toFixed(3)}  speed-up ${(cells[0] / cells[1]).toFixed(2)}x`,
    );
    console.log(rows[rows.length - 1]);
  }
}

// On a shared machine the load drifts between the cells above; alternating the two models call by call
// exposes both to the same load, so their ratio is the fairer comparison.
console.log(`wasm, fp32 and dynamic int8 calls alternated (ms per call; budget ${budget_ms} ms per batch size):`);
for (const batch of [1, 32]) {
  const x = image_batch(test.images, 0, batch);
  const [tf, tq] = with_backend('wasm', () =>
    no_grad(() => {
      for (let i = 0; i < 3; i++) for (const [, m] of models.slice(0, 2)) m.call(x);
      const times: [number[], number[]] = [[], []];
      const end = performance.now() + budget_ms;
      while (times[0].length < 5 || (performance.now() < end && times[0].length < 400)) {
        for (let k = 0; k < 2; k++) {
          const t = performance.now();
          models[k][1].call(x);
          times[k].push(performance.now() - t);
        }
      }
      return times.map((a) => a.sort((u, v) => u - v));
    }),
  );
  const med = (a: number[]) => a[a.length >> 1];
  console.log(
    `  batch ${String(batch).padStart(2)} wasm  fp32 median ${med(tf).toFixed(3)} (min ${tf[0].toFixed(3)})  dynamic int8 median ${med(tq).toFixed(3)} (min ${tq[0].toFixed(3)})  speed-up ${(med(tf) / med(tq)).toFixed(2)}x (min ${(tf[0] / tq[0]).toFixed(2)}x), ${tf.length} pairs`,
  );
}
