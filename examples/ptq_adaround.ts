/**
 * `npx tsx examples/ptq_adaround.ts [--model fmnist_cnn|fmnist_resnet|all] [--scheme per_channel|per_tensor|all]
 *   [--iterations 1000] [--calib 1000] [--limit 10000]`
 *
 * W4A8 post-training quantization with AdaRound (tools/ptq/adaround.ts): weights qint8 restricted to −8..7
 * (symmetric MinMax, per channel or per tensor), activations 8-bit quint8 (HistogramObserver). For each model:
 * fp32 accuracy; plain convert_fx (torch's rounding, which clamps to −128..127 only, so +8 can appear);
 * round-to-nearest on the true 4-bit grid; AdaRound. Calibration and AdaRound use the first 1,000 training images
 * (forward passes on the wasm backend).
 */
import { pathToFileURL } from 'node:url';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { type nn, quantization, type Tensor } from '../index.js';
import { HistogramObserver } from '../runtime/quant/histogram_observer.js';
import { MinMaxObserver } from '../runtime/quant/minmax_observer.js';
import { PerChannelMinMaxObserver } from '../runtime/quant/per_channel_observer.js';
import { QConfig } from '../runtime/quant/qconfig.js';
import { progress_bar } from '../tools/progress.js';
import { adaround, round_to_nearest } from '../tools/ptq/index.js';
import { calibrate, evaluate_accuracy } from './lib/evaluate.js';
import { load_calibration_images, load_test_images } from './lib/fmnist_data.js';
import { with_backend } from './lib/latency.js';
import { FMNIST_MODELS } from './models/index.js';

/** W4A8: 4-bit symmetric weights (−8..7) per channel or per tensor, 8-bit activations. */
export function w4a8_qconfig(scheme: 'per_channel' | 'per_tensor'): QConfig {
  return QConfig({
    activation: HistogramObserver.with_args({ dtype: 'quint8', reduce_range: false }),
    weight:
      scheme === 'per_channel'
        ? PerChannelMinMaxObserver.with_args({
            dtype: 'qint8',
            qscheme: 'per_channel_symmetric',
            quant_min: -8,
            quant_max: 7,
          })
        : MinMaxObserver.with_args({ dtype: 'qint8', qscheme: 'per_tensor_symmetric', quant_min: -8, quant_max: 7 }),
  });
}

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
};

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, (performance.now() - t0) / 1000];
}

function main(): void {
  const models = arg('model', 'all');
  const schemes = arg('scheme', 'all');
  const iterations = Number(arg('iterations', '1000'));
  const calib = load_calibration_images({ limit: Number(arg('calib', '1000')) });
  const test = load_test_images({ limit: Number(arg('limit', '10000')) });
  const acc = (m: nn.Module) => with_backend('wasm', () => evaluate_accuracy(m, test).accuracy);
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  console.log(`calibration: ${calib.labels.length} images (${calib.source}); test: ${test.labels.length} images`);
  console.log(
    '| model | weights | fp32 | convert_fx (torch rounding) | nearest (−8..7) | AdaRound | AdaRound s | calib s |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const spec of FMNIST_MODELS.filter((m) => m.name !== 'fmnist_lstm' && (models === 'all' || m.name === models))) {
    const model = (spec.pretrained as () => nn.Module)().eval();
    const fp32 = acc(model);
    for (const scheme of ['per_channel', 'per_tensor'] as const) {
      if (schemes !== 'all' && schemes !== scheme) continue;
      const qconfig = w4a8_qconfig(scheme);
      const prep = () => quantization.prepare_fx(model, { '': qconfig }, spec.example_inputs()) as GraphModule;
      const run = (pre: (p: GraphModule) => void): [number, number] => {
        const p = prep();
        pre(p);
        const [, cs] = timed(() => with_backend('wasm', () => calibrate(p, calib.images)));
        return [acc(quantization.convert_fx(p, { warn: false })), cs];
      };
      const [plain, calib_s] = run(() => {});
      const [nearest] = run((p) => round_to_nearest(p));
      let ada_s = 0;
      const [ada] = run((p) => {
        const bar = progress_bar(`${spec.name} ${scheme} AdaRound`, 0);
        const [reports, s] = timed(() =>
          with_backend('wasm', () =>
            adaround(p, calib.images as Tensor, {
              iterations,
              on_progress: (li, n, step, steps) => bar.update(li * steps + step, n * steps),
            }),
          ),
        );
        bar.stop();
        ada_s = s;
        for (const r of reports)
          console.error(
            `  ${r.path}: ${r.method}, flipped ${pct(r.flipped)}, output MSE nearest ${r.mse_nearest.toExponential(3)} → ${r.mse_adaround.toExponential(3)} (${r.seconds.toFixed(1)} s)`,
          );
      });
      console.log(
        `| ${spec.name} | ${scheme} W4A8 | ${pct(fp32)} | ${pct(plain)} | ${pct(nearest)} | ${pct(ada)} | ${ada_s.toFixed(1)} | ${calib_s.toFixed(1)} |`,
      );
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
