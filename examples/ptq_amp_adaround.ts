/**
 * `npx tsx examples/ptq_amp_adaround.ts [--iterations 200]` — issue 19 item 3: the sensitivity example's 4-bit
 * setting (activations quint8 0..15, weights qint8 −8..7, FmnistResNet; search on test images [0, 2000), target
 * fp32 − 1 pp, held out [2000, 10000)) with AdaRound'ed layers: auto_mixed_precision on an in-process Task whose
 * calibrate is tools.ptq.adaround_calibrate (each (layer, qconfig) rounded once, cached across the jobs).
 */
import { join } from 'node:path';
import { convert_fx } from '../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../compiler/quantize_fx/prepare.js';
import type { Module } from '../runtime/nn/module.js';
import { adaround_calibrate } from '../tools/ptq/index.js';
import { auto_mixed_precision } from '../tools/sensitivity/auto_mixed_precision.js';
import { load_task } from '../tools/sensitivity/node/task_spec.js';
import type { Task, TaskSpec } from '../tools/sensitivity/task.js';
import { load_calibration_images } from './lib/fmnist_data.js';

const i = process.argv.indexOf('--iterations');
const iterations = i >= 0 ? Number(process.argv[i + 1]) : 200;
const spec: TaskSpec = {
  model: join(import.meta.dirname, 'models', 'fmnist_resnet.ts'),
  qconfig: '4bit',
  calib_images: 1000,
  eval_images: 2000,
};
const search = await load_task(spec);
const held = await load_task({ ...spec, eval_offset: 2000, eval_images: 8000 });
const calib = load_calibration_images({ limit: 1000 }).images;
const t0 = performance.now();
const calibrate = adaround_calibrate(calib, search.calibrate, { iterations });
const task: Task = { ...search, calibrate };
const amp = await auto_mixed_precision(task, { drop_pp: 1 });
const quantize = (dict: object): Module => {
  const p = prepare_fx(search.model, dict as never, search.example_inputs);
  calibrate(p);
  return convert_fx(p, { warn: false });
};
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const h_fp32 = held.evaluate(search.model);
const h_int = held.evaluate(quantize({ '': search.qconfig }));
const h_mix = held.evaluate(quantize(amp.qconfig_dict));
console.log(`AdaRound (${iterations} steps a layer) + auto_mixed_precision, 4-bit qconfig, FmnistResNet`);
console.log('| | search: test [0, 2000) | held out: test [2000, 10000) |\n|---|---|---|');
console.log(`| fp32 | ${pct(amp.fp32_accuracy)} | ${pct(h_fp32)} |`);
console.log(`| full 4-bit, AdaRound | ${pct(amp.int8_accuracy)} | ${pct(h_int)} |`);
console.log(`| greedy mix (${amp.float_layers.length} float) | ${pct(amp.accuracy)} | ${pct(h_mix)} |`);
console.log(`kept in float: ${amp.float_layers.join(', ') || '(none)'}`);
console.log(
  `held-out meets fp32 − 1 pp: ${h_mix >= h_fp32 - 0.01}; ${amp.evaluations} evaluations; ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
