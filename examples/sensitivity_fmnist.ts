/**
 * The PyTorch FX guide's sensitivity loop on FmnistResNet, against docs/reference/RESULTS.md §4:
 *   one-at-a-time — quantize only layer L (qnnpack qconfig), evaluate on the first 2,000 test images;
 *   per-layer SQNR of the fully quantized model vs fuse_fx(model) over the same images;
 *   --amp — 4-bit qconfig: full-4-bit accuracy, then auto_mixed_precision to fp32 − 1 pp, checked on
 *           held-out test images.
 *
 *   --speedup — the same one-at-a-time run (fp32, int8 and --speedup-layers N layers) on 1 and on 2
 *           worker threads; prints both wall times, their ratio and the load average around each.
 *
 *   npx tsx examples/sensitivity_fmnist.ts [--workers 2] [--eval-images 2000] [--skip-oaat] [--skip-sqnr]
 *                                          [--amp] [--speedup] [--json FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convert_fx } from '../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../compiler/quantize_fx/prepare.js';
import { compare_layers, format_layer_table } from '../tools/numeric_suite/layer_report.js';
import { progress_bar } from '../tools/progress.js';
import { auto_mixed_precision } from '../tools/sensitivity/auto_mixed_precision.js';
import { load_images, rows } from '../tools/sensitivity/node/data.js';
import { load_task } from '../tools/sensitivity/node/task_spec.js';
import { format_sensitivity_table, one_at_a_time, quantizable_layers } from '../tools/sensitivity/sensitivity.js';
import { job_qconfig_dict, type TaskSpec } from '../tools/sensitivity/task.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const workers = Number(arg('workers') ?? availableParallelism());
const eval_images = Number(arg('eval-images') ?? 2000);
const reference = JSON.parse(
  readFileSync(join(here, '..', 'tests', 'fixtures', 'tools', 'fmnist_resnet_sensitivity.json'), 'utf8'),
) as {
  one_at_a_time: { layer: string; accuracy: number }[];
  per_layer_sqnr: { layer: string; act_sqnr_db: number; weight_sqnr_db?: number }[];
};
const spec: TaskSpec = { model: join(here, 'models', 'fmnist_resnet.ts'), calib_images: 1000, eval_images };
const out: Record<string, unknown> = { workers, eval_images, load_before: loadavg()[0] };

console.log(
  `FmnistResNet sensitivity: calibration 1000 train images, eval first ${eval_images} test images, ${workers} worker(s), load ${loadavg()[0].toFixed(2)}\n`,
);
if (!flag('skip-oaat')) {
  const model = (await load_task({ ...spec, eval_images: 1 })).model;
  const layers = quantizable_layers(model, { include_blocks: true });
  const bar = progress_bar('one-at-a-time', layers.length + 2);
  const r = await one_at_a_time(spec, { layers, workers, on_result: (_i, _r, done) => bar.update(done) });
  bar.stop();
  console.log(format_sensitivity_table(r));
  console.log(`\nwall ${r.seconds.toFixed(1)} s with ${workers} worker(s); load avg now ${loadavg()[0].toFixed(2)}\n`);
  console.log('| layer | fxq acc | PyTorch acc | |Δ| pp |');
  console.log('|---|---|---|---|');
  let worst = 0;
  for (const ref of reference.one_at_a_time) {
    const mine = r.rows.find((x) => x.layer === ref.layer);
    if (!mine) continue;
    const d = Math.abs(100 * (mine.accuracy - ref.accuracy));
    worst = Math.max(worst, d);
    console.log(
      `| ${ref.layer} | ${(100 * mine.accuracy).toFixed(2)}% | ${(100 * ref.accuracy).toFixed(2)}% | ${d.toFixed(2)} |`,
    );
  }
  console.log(
    `\nlargest |Δ| vs PyTorch: ${worst.toFixed(2)} pp (fp32 ${(100 * r.fp32_accuracy).toFixed(2)}%, int8 ${(100 * r.int8_accuracy).toFixed(2)}%)\n`,
  );
  Object.assign(out, { one_at_a_time: r, worst_pp: worst });
}

if (!flag('skip-sqnr')) {
  const task = await load_task(spec);
  const prepared = prepare_fx(task.model, job_qconfig_dict({ kind: 'int8' }, task.qconfig), task.example_inputs, null, {
    warn: false,
  });
  task.calibrate(prepared);
  const q = convert_fx(prepared, { backend: 'wasm' });
  const test = load_images(join(here, 'data', 'fashion-mnist'), 'test', eval_images);
  const batches = function* () {
    for (let s = 0; s < eval_images; s += 250) yield [rows(test.images, s, Math.min(250, eval_images - s))];
  };
  const layers = compare_layers(task.model, q, batches());
  console.log(format_layer_table(layers));
  let worst = 0;
  console.log('\n| layer | fxq act SQNR | PyTorch | |Δ| dB |\n|---|---|---|---|');
  for (const ref of reference.per_layer_sqnr) {
    const key = ref.layer.startsWith('input') ? 'x' : ref.layer.replace(/^(layer\d)_relu2 .*/, '$1.relu2');
    const mine = layers.find((l) => l.layer === key);
    if (!mine) continue;
    const d = Math.abs(mine.sqnr - ref.act_sqnr_db);
    worst = Math.max(worst, d);
    console.log(`| ${ref.layer} | ${mine.sqnr.toFixed(2)} | ${ref.act_sqnr_db.toFixed(2)} | ${d.toFixed(2)} |`);
  }
  console.log(`\nlargest |Δ| SQNR vs PyTorch: ${worst.toFixed(2)} dB\n`);
  Object.assign(out, { per_layer_sqnr: layers, worst_sqnr_db: worst });
}

if (flag('speedup')) {
  const model = (await load_task({ ...spec, eval_images: 1 })).model;
  const layers = quantizable_layers(model).slice(0, Number(arg('speedup-layers') ?? 4));
  const walls: Record<number, { seconds: number; load_before: number; load_after: number }> = {};
  for (const w of [1, 2]) {
    const load_before = loadavg()[0];
    const r = await one_at_a_time(spec, { layers, workers: w });
    walls[w] = { seconds: r.seconds, load_before, load_after: loadavg()[0] };
    console.log(
      `${w} worker(s): ${r.seconds.toFixed(1)} s for ${layers.length + 2} evaluations (load ${load_before.toFixed(2)} → ${loadavg()[0].toFixed(2)})`,
    );
  }
  console.log(`speedup 2 vs 1 worker: ${(walls[1].seconds / walls[2].seconds).toFixed(2)}x\n`);
  Object.assign(out, { speedup: { layers, walls, ratio: walls[1].seconds / walls[2].seconds } });
}

if (flag('amp')) {
  const search: TaskSpec = { ...spec, qconfig: '4bit', eval_images: Number(arg('search-images') ?? 2000) };
  const held_out: TaskSpec = { ...search, eval_offset: 2000, eval_images: Number(arg('held-out-images') ?? 8000) };
  const bar = progress_bar('auto_mixed_precision', 0);
  const amp = await auto_mixed_precision(
    search,
    { drop_pp: 1 },
    { workers, held_out, on_progress: (d, t) => bar.update(d, t) },
  );
  bar.stop();
  const p = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);
  console.log(
    `4-bit qconfig (act quint8 0..15, weight qint8 -8..7); target = fp32 - 1 pp = ${p(amp.target)} on the search images`,
  );
  console.log('| | search: test [0, 2000) | held out: test [2000, …) |\n|---|---|---|');
  console.log(`| fp32 | ${p(amp.fp32_accuracy)} | ${p(amp.held_out?.fp32)} |`);
  console.log(`| full 4-bit | ${p(amp.int8_accuracy)} | ${p(amp.held_out?.int8)} |`);
  console.log(`| greedy mix (${amp.float_layers.length} float) | ${p(amp.accuracy)} | ${p(amp.held_out?.mix)} |`);
  console.log(
    `| ranking mix (${amp.ranking?.float_layers.length} float) | ${p(amp.ranking?.accuracy)} | ${p(amp.held_out?.ranking_mix)} |`,
  );
  console.log(`\nkept in float (greedy): ${amp.float_layers.join(', ')}`);
  console.log(`kept in float (one-at-a-time ranking): ${amp.ranking?.float_layers.join(', ')}`);
  console.log(`held-out meets fp32 - 1 pp: ${amp.held_out?.meets_target}; ${amp.evaluations} evaluations\n`);
  console.log(JSON.stringify({ ...amp, qconfig_dict: undefined }, null, 1));
  Object.assign(out, { amp });
}
out.load_after = loadavg()[0];
const json = arg('json');
if (json) writeFileSync(json, JSON.stringify(out, null, 1));
