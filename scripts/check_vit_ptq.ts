/**
 * FmnistViT FX static PTQ with fxq's own calibration, against PyTorch 1.13 (docs/reference/RESULTS.md §7):
 * prepare_fx with the per-tensor qnnpack qconfig, calibrate on the first 1,000 training images (batches of 50,
 * in order) under set_fp32_numerics('pytorch_x86_zen5'), convert_fx; then
 * - every activation qparam vs torch's (tests/fixtures/reference/golden/fmnist_vit_ptq.json),
 * - every int8 node output of golden image 0 vs torch's, and the 8 golden images' int8 logits (within one step),
 * - 10k test accuracy of the per-tensor and the per-channel (PerChannelMinMaxObserver weights) models.
 *
 *   nice -n 10 npx tsx scripts/check_vit_ptq.ts [--test 10000] [--calib 1000] [--numerics pytorch_x86_zen5|fast]
 *     [--variants per_tensor,per_channel] [--backend wasm] [--eval-numerics fast|pytorch_x86_zen5 (default: --numerics)]
 *
 * PyTorch: per-tensor 88.22 %, per-channel 88.20 % (fp32 88.13 %). Slow (minutes): not part of the test suite.
 */
import { performance } from 'node:perf_hooks';
import { convert_fx } from '../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../compiler/quantize_fx/prepare.js';
import { calibrate, evaluate_accuracy, top1_agreement } from '../examples/lib/evaluate.js';
import { load_calibration_images, load_test_images } from '../examples/lib/fmnist_data.js';
import { type BackendName, with_backend } from '../examples/lib/latency.js';
import { FmnistViT, load_weights } from '../examples/models/fmnist_vit.js';
import { with_fp32_numerics } from '../runtime/backends/fp32_numerics.js';
import type { Fp32Numerics } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { default_per_channel_weight_observer, get_default_qconfig, QConfig } from '../runtime/quant/qconfig.js';
import type { Tensor } from '../runtime/tensor/tensor.js';
import { load_golden, node_outputs } from '../tests/compiler/quantize_fx_helpers.js';
import type { GoldenNode } from '../tests/models/vit_ptq_helpers.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const test_n = Number(arg('test', '10000'));
const calib_n = Number(arg('calib', '1000'));
const numerics = arg('numerics', 'pytorch_x86_zen5') as Fp32Numerics;
const variants = arg('variants', 'per_tensor,per_channel').split(',');
const backend = arg('backend', 'wasm') as BackendName;
const eval_numerics = arg('eval-numerics', numerics) as Fp32Numerics;
const PYTORCH: Record<string, number> = { fp32: 88.13, per_tensor: 88.22, per_channel: 88.2 };
const pct = (a: number) => `${(100 * a).toFixed(2)}%`;

if (backend === 'wasm') load_wasm_backend();
const golden = load_golden('fmnist_vit_ptq');
const gnodes = golden.json.graph_nodes as GoldenNode[];
const x8 = golden.t['input/x_fp32'];
const calib = load_calibration_images({ limit: calib_n });
const test = load_test_images({ limit: test_n });
const fp32 = load_weights(new FmnistViT()).eval();
const t_fp = performance.now();
const fp = with_backend(backend, () => evaluate_accuracy(fp32, test, { batch_size: 250 }));
console.log(`fp32: ${pct(fp.accuracy)} on ${test_n} (${((performance.now() - t_fp) / 1000).toFixed(0)} s)`);

/** Qparams of the converted model vs torch's: [same, total, differing rows]. */
function compare_qparams(q: ReturnType<typeof convert_fx>): [number, number, string[]] {
  const sd = q.state_dict();
  const rows: string[] = [];
  let same = 0;
  let total = 0;
  for (const g of gnodes) {
    if (g.op !== 'get_attr' || typeof g.value !== 'number') continue;
    const mine = sd[g.target]?.data[0];
    const want = g.target.includes('zero_point') ? g.value : Math.fround(g.value);
    total++;
    if (mine === want) same++;
    else rows.push(`${g.target}: ${mine} (torch ${want})`);
  }
  const mods = {
    ...(golden.json.quantized_weighted_modules as Record<string, { out_scale: number; out_zero_point: number }>),
    ...(golden.json.quantized_layer_norms as Record<string, { out_scale: number; out_zero_point: number }>),
  };
  for (const [name, meta] of Object.entries(mods)) {
    const m = q.get_submodule(name) as unknown as { scale: number; zero_point: number };
    total++;
    if (Math.fround(m.scale) === Math.fround(meta.out_scale) && m.zero_point === meta.out_zero_point) same++;
    else rows.push(`${name}: ${m.scale} / ${m.zero_point} (torch ${meta.out_scale} / ${meta.out_zero_point})`);
  }
  return [same, total, rows];
}

for (const v of variants) {
  const base = get_default_qconfig('qnnpack');
  const qconfig =
    v === 'per_channel' ? QConfig({ activation: base.activation, weight: default_per_channel_weight_observer }) : base;
  const prepared = prepare_fx(fp32, { '': qconfig }, [x8], null, { warn: false });
  const t0 = performance.now();
  with_backend('js', () => with_fp32_numerics(numerics, () => calibrate(prepared, calib.images, { batch_size: 50 })));
  const q = convert_fx(prepared, { warn: false });
  console.log(
    `\n${v}: calibrated on ${calib_n} images (${numerics}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  if (v === 'per_tensor') {
    const [same, total, rows] = compare_qparams(q);
    console.log(`  activation qparams equal to torch's: ${same} / ${total}`);
    for (const r of rows) console.log(`    ${r}`);
    const outs = with_fp32_numerics(numerics, () => node_outputs(q, x8.narrow(0, 0, 1)));
    let n = 0;
    let exact = 0;
    let off1 = 0;
    for (const g of gnodes) {
      if (!g.out) continue;
      const mine = (outs.get(g.name) as Tensor).data;
      const want = golden.t[`${g.out.key}/out_int_img0`].data;
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(mine[i] - want[i]);
        n++;
        if (d === 0) exact++;
        else if (d === 1) off1++;
      }
    }
    console.log(`  int8 node outputs of image 0: ${exact} / ${n} exact (${pct(exact / n)}), ${off1} off by one`);
    const logits = with_fp32_numerics(numerics, () => q.forward(x8) as Tensor);
    const want = (golden.json.int8_logits as number[][]).flat();
    const step = Math.fround(gnodes.find((g) => g.name === 'head')?.out?.scale as number);
    const within = want.filter((w, i) => Math.abs(logits.data[i] - w) <= step * 1.0001).length;
    console.log(`  int8 logits of the 8 golden images: ${within} / ${want.length} within one output step`);
  }
  const t1 = performance.now();
  // the float islands (softmax, GELU, getitem …) in the same numerics: PyTorch's float bits, so its int8 values
  const r = with_backend(backend, () =>
    with_fp32_numerics(eval_numerics, () => evaluate_accuracy(q, test, { batch_size: 250 })),
  );
  console.log(
    `  ${test_n} test images (${eval_numerics} float islands): ${pct(r.accuracy)} (PyTorch ${PYTORCH[v]}%, Δ ${(100 * r.accuracy - PYTORCH[v]).toFixed(2)} pp), top-1 agreement with fp32 ${pct(top1_agreement(fp.predictions, r.predictions))} (${((performance.now() - t1) / 1000).toFixed(0)} s, ${backend})`,
  );
}
