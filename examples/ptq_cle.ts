/**
 * `npx tsx examples/ptq_cle.ts [--model fmnist_cnn|fmnist_resnet|fmnist_mobilenet] [--weights FILE]
 *   [--qconfig int8|w4a8_per_tensor] [--calib 1000] [--limit 10000] [--rows 0,2]`
 *
 * Data-free quantization (Nagel et al. 2019) with tools/ptq: per-tensor PTQ (get_default_qconfig('qnnpack'):
 * int8 per-tensor weights and activations, or W4A8 per-tensor) of a trained model, as plain PTQ, after cross-layer
 * equalization (equalize), and after CLE + high-bias absorption + bias correction (empirical on the calibration
 * images, and analytic from BatchNorm statistics). Prints the 10k test accuracies, the fp32 logit change CLE caused,
 * and the time of each step. Calibration: the first 1,000 training images (train-first1000).
 */
import { pathToFileURL } from 'node:url';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { type nn, no_grad, quantization, type Tensor } from '../index.js';
import type { QConfig } from '../runtime/quant/qconfig.js';
import { bias_correction, bias_correction_analytic, describe_equalization, equalize } from '../tools/ptq/index.js';
import { calibrate, evaluate_accuracy } from './lib/evaluate.js';
import { load_calibration_images, load_test_images } from './lib/fmnist_data.js';
import { with_backend } from './lib/latency.js';
import { FMNIST_MODELS } from './models/index.js';
import { w4a8_qconfig } from './ptq_adaround.js';

const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

interface Loaded {
  model: nn.Module;
  example_inputs: Tensor[];
}

/** The trained model by name (FmnistMobileNet from examples/models/fmnist_mobilenet.ts when present). */
async function load_model(name: string, weights: string | undefined): Promise<Loaded> {
  const spec = FMNIST_MODELS.find((m) => m.name === name);
  if (spec?.pretrained) return { model: spec.pretrained(weights), example_inputs: spec.example_inputs() };
  if (name !== 'fmnist_mobilenet') throw new Error(`ptq_cle: unknown model '${name}'`);
  const file = './models/fmnist_mobilenet.js';
  const mod = (await import(file)) as {
    default: () => nn.Module;
    load_weights: (m: nn.Module, p?: string) => nn.Module;
    example_inputs: () => Tensor[];
  };
  return { model: mod.load_weights(mod.default(), weights), example_inputs: mod.example_inputs() };
}

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, (performance.now() - t0) / 1000];
}

async function main(): Promise<void> {
  const name = arg('model', 'fmnist_resnet') as string;
  const { model: float_model, example_inputs } = await load_model(name, arg('weights'));
  const model = float_model.eval();
  const qname = arg('qconfig', 'int8');
  const qconfig: QConfig =
    qname === 'w4a8_per_tensor' ? w4a8_qconfig('per_tensor') : quantization.get_default_qconfig('qnnpack');
  const calib = load_calibration_images({ limit: Number(arg('calib', '1000')) });
  const test = load_test_images({ limit: Number(arg('limit', '10000')) });
  const acc = (m: nn.Module) => with_backend('wasm', () => evaluate_accuracy(m, test).accuracy);
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const ptq = (m: nn.Module, before_calib: (p: GraphModule) => void = () => {}): [number, number] => {
    const p = quantization.prepare_fx(m, { '': qconfig }, example_inputs) as GraphModule;
    const [, s] = timed(() => with_backend('wasm', () => before_calib(p)));
    with_backend('wasm', () => calibrate(p, calib.images));
    return [acc(quantization.convert_fx(p, { warn: false })), s];
  };

  const [eq, cle_s] = timed(() => equalize(model));
  const [eqa, cle_abs_s] = timed(() => equalize(model, { bias_absorption: true }));
  console.error(describe_equalization(eq.model));
  const x = calib.images.narrow(0, 0, 1000);
  const [a, b] = [model, eq.model].map((m) => no_grad(() => m.call(x) as Tensor).data);
  let delta = 0;
  for (let i = 0; i < a.length; i++) delta = Math.max(delta, Math.abs((a[i] as number) - (b[i] as number)));
  const relu6 = eq.report.pairs.some((p) => p.activation === 'relu6→relu');

  const only = arg('rows'); // e.g. --rows 0,1,2: compute only these rows (parallel runs on a loaded machine)
  const want = (i: number) => only === undefined || only.split(',').map(Number).includes(i);
  const rows: [string, () => number, () => string][] = [
    ['fp32', () => acc(model), () => ''],
    [
      `fp32 after CLE${relu6 ? ' (ReLU6 → ReLU in equalized pairs)' : ''}`,
      () => acc(eq.model),
      () => `${cle_s.toFixed(2)} s`,
    ],
    ['PTQ', () => ptq(model)[0], () => ''],
    ['CLE + PTQ', () => ptq(eq.model)[0], () => `${cle_s.toFixed(2)} s`],
  ];
  let step_s = 0;
  const with_time = (r: [number, number]) => {
    step_s = r[1];
    return r[0];
  };
  rows.push([
    'CLE + absorption + bias correction (empirical)',
    () => with_time(ptq(eqa.model, (p) => bias_correction(p, calib.images))),
    () => `${cle_abs_s.toFixed(2)} s + ${step_s.toFixed(2)} s`,
  ]);
  rows.push([
    'CLE + absorption + bias correction (analytic, data-free)',
    () => with_time(ptq(eqa.model, (p) => bias_correction_analytic(p, eqa.report.bn_statistics))),
    () => `${cle_abs_s.toFixed(2)} s + ${step_s.toFixed(3)} s`,
  ]);
  rows.push([
    'PTQ + bias correction (empirical)',
    () => with_time(ptq(model, (p) => bias_correction(p, calib.images))),
    () => `${step_s.toFixed(2)} s`,
  ]);

  console.log(`${name}, ${qname === 'int8' ? "int8 per-tensor (get_default_qconfig('qnnpack'))" : 'W4A8 per-tensor'}`);
  console.log(`calibration: ${calib.labels.length} images (${calib.source}); test: ${test.labels.length} images`);
  console.log(
    `CLE: ${eq.report.pairs.length} pairs, ${eq.report.sweeps} sweeps; max |Δ fp32 logit| on 1,000 images: ${delta.toExponential(2)}`,
  );
  console.log('| method | accuracy | time |');
  console.log('|---|---|---|');
  rows.forEach(([label, v, t], i) => {
    if (want(i)) console.log(`| ${label} | ${pct(v())} | ${t()} |`);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
