/**
 * Dynamic quantization of FmnistViT (the reference's recipe: quantize_dynamic(model, {nn.Linear}, qint8), and
 * FX with default_dynamic_qconfig for nn.Linear): 10k test accuracy of fp32, eager dynamic and FX dynamic,
 * top-1 agreement, state_dict size. Each Linear quantizes its input per call from the min/max of the whole
 * [batch, 50, k] activation, so the figures depend (slightly) on the evaluation batch size.
 *
 *   nice -n 10 npx tsx examples/dynamic_vit.ts [--test 10000] [--batch 500] [--backend wasm]
 *
 * PyTorch (docs/reference/RESULTS.md §7): fp32 88.13 %, dynamic 88.16 % (eager and FX identical), agreement
 * 99.68 %, state_dict 559.4 KiB → 184.8 KiB.
 */
import { performance } from 'node:perf_hooks';
import { nn, quantization as Q } from '../index.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { evaluate_accuracy, state_dict_nbytes, top1_agreement } from './lib/evaluate.js';
import { load_test_images } from './lib/fmnist_data.js';
import { type BackendName, with_backend } from './lib/latency.js';
import { FmnistViT, load_weights } from './models/fmnist_vit.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const test_n = Number(arg('test') ?? 10000);
const batch_size = Number(arg('batch') ?? 500);
const backend = (arg('backend') ?? 'wasm') as BackendName;
if (backend !== 'js' && backend !== 'wasm') throw new Error(`--backend must be js or wasm, got '${backend}'`);
const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

if (backend === 'wasm') load_wasm_backend();
const test = load_test_images({ limit: test_n });
const fp32 = load_weights(new FmnistViT()).eval();
const eager = Q.quantize_dynamic(fp32, new Set([nn.Linear]), 'qint8');
const example = test.images.narrow(0, 0, 1);
const fx = Q.convert_fx(
  Q.prepare_fx(fp32, new Q.QConfigMapping().set_object_type(nn.Linear, Q.default_dynamic_qconfig), [example]),
);

const models: [string, nn.Module][] = [
  ['fp32', fp32],
  ['dynamic (eager)', eager],
  ['dynamic (FX)', fx],
];
console.log(`${test.source}, ${test_n} images, batches of ${batch_size}, ${backend} backend`);
const results = models.map(([name, m]) => {
  const t0 = performance.now();
  const r = with_backend(backend, () => evaluate_accuracy(m, test, { batch_size }));
  console.log(
    `  ${name.padEnd(16)} ${pct(r.accuracy)} (${r.correct}/${r.total})  ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return r;
});
const [f, e, x] = results;
console.log(`top-1 agreement with fp32: eager ${pct(top1_agreement(f.predictions, e.predictions))}`);
console.log(`eager vs FX dynamic: ${pct(top1_agreement(e.predictions, x.predictions))} same predictions`);
console.log(
  `Δ dynamic − fp32: ${(100 * (e.accuracy - f.accuracy)).toFixed(2)} pp (PyTorch: +0.03 pp, 88.13 % → 88.16 %); vs PyTorch's 88.16 %: ${(100 * e.accuracy - 88.16).toFixed(2)} pp`,
);
console.log(
  `size: fp32 state_dict ${kib(state_dict_nbytes(fp32))}, dynamic ${kib(state_dict_nbytes(eager))} (${(state_dict_nbytes(fp32) / state_dict_nbytes(eager)).toFixed(2)}x smaller)`,
);
