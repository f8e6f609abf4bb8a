/**
 * FX int8 quantization of the three reference models, evaluated on the full Fashion-MNIST test set next
 * to PyTorch 1.13's figures (docs/reference/RESULTS.md):
 *   FmnistCNN / FmnistResNet: prepare_fx with get_default_qconfig('qnnpack') as global, calibration on the
 *   first 1,000 training images in batches of 50 (in order), convert_fx.
 *   FmnistLSTM: dynamic (default_dynamic_qconfig for nn.LSTM and nn.Linear via object_type).
 *
 *   npx tsx examples/fmnist_ptq_eval.ts [--model fmnist_cnn] [--limit 10000] [--batch 250] [--backend js|wasm] [--save dir]
 */
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { load_quantized, save_quantized } from '../compiler/artifact/node/index.js';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { convert_fx } from '../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../compiler/quantize_fx/prepare.js';
import { load_fashion_mnist, load_wasm_backend, nn, no_grad, quantization, Tensor } from '../index.js';
import { set_backend } from '../runtime/backends/registry.js';
import { FMNIST_MODELS } from './models/index.js';
import { predict_classes } from './models/predict.js';

const here = dirname(fileURLToPath(import.meta.url));
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
/** PyTorch FX int8 accuracy on the 10k test set (docs/reference/RESULTS.md §2). */
const TORCH_INT8: Record<string, number> = { fmnist_cnn: 90.38, fmnist_resnet: 90.0, fmnist_lstm: 86.23 };

const only = arg('model');
const batch = Number(arg('batch') ?? 250);
const backend = (arg('backend') ?? 'js') as 'js' | 'wasm';
if (backend === 'wasm') load_wasm_backend();
set_backend(backend);
const data_dir = join(here, 'data', 'fashion-mnist');
const test = load_fashion_mnist(data_dir, 'test');
const calib = load_fashion_mnist(data_dir, 'train-first1000').images;
const n = Math.min(Number(arg('limit') ?? test.labels.shape[0]), test.labels.shape[0]);

function predictions(model: nn.Module): Uint8Array {
  return predict_classes(model, test.images, n, batch);
}

function bytes(sd: Record<string, Tensor>): number {
  let b = 0;
  for (const t of Object.values(sd))
    b += (t.data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT * t.numel();
  return b;
}

function quantize(
  name: string,
  model: nn.Module,
): { q: GraphModule; prepare_s: number; calib_s: number; convert_s: number } {
  const example = [new Tensor(calib.data.slice(0, 784), [1, 1, 28, 28], 'float32')];
  let t = performance.now();
  const prepared =
    name === 'fmnist_lstm'
      ? prepare_fx(
          model,
          {
            object_type: [
              [nn.LSTM, quantization.default_dynamic_qconfig],
              [nn.Linear, quantization.default_dynamic_qconfig],
            ],
          },
          example,
        )
      : prepare_fx(model, { '': quantization.get_default_qconfig('qnnpack') }, example);
  const prepare_s = (performance.now() - t) / 1000;
  t = performance.now();
  if (name !== 'fmnist_lstm') {
    no_grad(() => {
      for (let s = 0; s < 1000; s += 50)
        prepared.forward(new Tensor(calib.data.slice(s * 784, (s + 50) * 784), [50, 1, 28, 28], 'float32'));
    });
  }
  const calib_s = (performance.now() - t) / 1000;
  t = performance.now();
  const q = convert_fx(prepared, { backend });
  return { q, prepare_s, calib_s, convert_s: (performance.now() - t) / 1000 };
}

console.log(`Fashion-MNIST test set, first ${n} images, batch ${batch}, backend ${backend}\n`);
console.log(
  '| model | fp32 acc | int8 acc | PyTorch int8 | Δ vs torch (pp) | top-1 agree | size int8/fp32 | prepare s | calib s | convert s | int8 eval s |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const spec of FMNIST_MODELS.filter((m) => !only || m.name === only)) {
  const fp32 = spec.pretrained?.().eval() as nn.Module;
  const p32 = predictions(fp32);
  let { q, prepare_s, calib_s, convert_s } = quantize(spec.name, fp32);
  const save = arg('save');
  if (save) {
    save_quantized(q, join(save, `${spec.name}.safetensors`));
    q = load_quantized(join(save, `${spec.name}.safetensors`));
  }
  const t = performance.now();
  const p8 = predictions(q);
  const eval_s = (performance.now() - t) / 1000;
  let c32 = 0;
  let c8 = 0;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (p32[i] === test.labels.data[i]) c32++;
    if (p8[i] === test.labels.data[i]) c8++;
    if (p8[i] === p32[i]) agree++;
  }
  const acc8 = (100 * c8) / n;
  const ratio = bytes(q.state_dict()) / bytes(fp32.state_dict());
  console.log(
    `| ${spec.name} | ${((100 * c32) / n).toFixed(2)}% | ${acc8.toFixed(2)}% | ${TORCH_INT8[spec.name].toFixed(2)}% | ${(acc8 - TORCH_INT8[spec.name]).toFixed(2)} | ${((100 * agree) / n).toFixed(2)}% | ${(100 * ratio).toFixed(1)}% | ${prepare_s.toFixed(2)} | ${calib_s.toFixed(1)} | ${convert_s.toFixed(2)} | ${eval_s.toFixed(1)} |`,
  );
}
