/**
 * FmnistViT on the wasm backend, CPU milliseconds per forward (median; batch 1: 21 calls, batch 32: 9): fp32, int8
 * under the parity config (get_qnnpack_backend_config(): softmax, GELU and getitem are float islands, as in
 * PyTorch 1.13) and under the opt-in fxq config (get_fxq_backend_config(): the encoder in int8 end to end).
 * Per-tensor qnnpack qconfig, calibration on the first 200 training images. CPU time, so a loaded machine slows
 * it less than wall time; compare within one run.
 *
 *   nice npx tsx scripts/vit_backend_config_latency.ts
 */
import { convert_fx } from '../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../compiler/quantize_fx/prepare.js';
import { image_batch, load_calibration_images } from '../examples/lib/fmnist_data.js';
import { FmnistViT, load_weights } from '../examples/models/fmnist_vit.js';
import { load_wasm_backend, no_grad, quantization, set_backend, type Tensor } from '../index.js';
import { get_fxq_backend_config, get_qnnpack_backend_config } from '../runtime/quantized/op_catalogue/index.js';

load_wasm_backend();
set_backend('wasm');
const calib = load_calibration_images({ limit: 200 }).images;
const fp32 = load_weights(new FmnistViT()).eval();
const cpu_ms = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Median CPU ms of `reps` calls of model.forward on the first `batch` calibration images (one warm-up call). */
function median_ms(model: { forward(x: Tensor): unknown }, batch: number, reps: number): number {
  const x = image_batch(calib, 0, batch);
  no_grad(() => model.forward(x));
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = cpu_ms();
    no_grad(() => model.forward(x));
    ts.push(cpu_ms() - t);
  }
  return ts.sort((a, b) => a - b)[reps >> 1];
}

const row = (name: string, m: { forward(x: Tensor): unknown }) =>
  console.log(`| ${name} | ${median_ms(m, 1, 21).toFixed(2)} | ${median_ms(m, 32, 9).toFixed(1)} |`);
console.log('| FmnistViT, wasm | batch 1 (ms CPU) | batch 32 (ms CPU) |\n| --- | --- | --- |');
row('fp32', fp32);
for (const config of [get_qnnpack_backend_config(), get_fxq_backend_config()]) {
  const p = prepare_fx(fp32, { '': quantization.get_default_qconfig('qnnpack') }, [image_batch(calib, 0, 1)], null, {
    backend_config: config,
    warn: false,
  });
  no_grad(() => {
    for (let s = 0; s < 200; s += 50) p.forward(image_batch(calib, s, 50));
  });
  row(`int8, ${config.name} config`, convert_fx(p, { backend: 'wasm', warn: false }));
}
