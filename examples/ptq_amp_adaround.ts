/**
 * `npx tsx examples/ptq_amp_adaround.ts [--search-images 5000] [--iterations 1000] [--margin se|PP]
 * [--method both|amp|adaround] [--json out.json]` — issue 19 item 3: the sensitivity example's 4-bit setting (activations quint8 0..15, weights
 * qint8 −8..7, FmnistResNet) searched by auto_mixed_precision (target fp32 − 1 pp) twice under one protocol:
 * plain (observers' rounding to nearest) and with AdaRound'ed layers (the Task's calibrate is
 * tools.ptq.adaround_calibrate, so every candidate the search measures has AdaRound's integers; each (layer,
 * qconfig) rounded once). Three disjoint image sets: calibration and AdaRound on the first 1,000 training images,
 * the search on test images [0, S), the held-out check on test images [S, 10000) (same calibrate as the search).
 * The search must clear its target by a guard band (default `se`: one standard error of the fp32 accuracy on the
 * S search images, 100·√(a(1 − a)/S) pp); the held-out check is against fp32 − 1 pp on the held-out images.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adaround_calibrate } from '../tools/ptq/index.js';
import { type AutoMixedPrecisionResult, auto_mixed_precision } from '../tools/sensitivity/auto_mixed_precision.js';
import { accuracy, DEFAULT_DATA_DIR, load_images } from '../tools/sensitivity/node/data.js';
import { load_task } from '../tools/sensitivity/node/task_spec.js';
import type { Task } from '../tools/sensitivity/task.js';
import { arg } from './lib/args.js';
import { load_calibration_images } from './lib/fmnist_data.js';

const S = Number(arg('search-images') ?? 5000);
const iterations = Number(arg('iterations') ?? 1000);
const method = arg('method') ?? 'both';
if (!(Number.isInteger(S) && S > 0 && S < 10000))
  throw new Error(`--search-images: 1..9999, got ${arg('search-images')}`);
if (!['both', 'amp', 'adaround'].includes(method)) throw new Error(`--method: both, amp or adaround, got ${method}`);

const base = await load_task({ model: join(import.meta.dirname, 'models', 'fmnist_resnet.ts'), qconfig: '4bit' });
const search_set = load_images(DEFAULT_DATA_DIR, 'test', S, 0);
const held_set = load_images(DEFAULT_DATA_DIR, 'test', 10000 - S, S);
const calib = load_calibration_images({ limit: 1000 }).images;

const fp32_search = accuracy(base.model, search_set);
const m_arg = arg('margin') ?? 'se';
const margin_pp = m_arg === 'se' ? 100 * Math.sqrt((fp32_search * (1 - fp32_search)) / S) : Number(m_arg);
if (!(margin_pp >= 0)) throw new Error(`--margin: 'se' or percentage points ≥ 0, got ${m_arg}`);
const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);
const out: Record<string, unknown> = {
  search: [0, S],
  held_out: [S, 10000],
  calibration: 'train [0, 1000)',
  margin_pp,
  iterations,
};

async function run(name: string, calibrate: Task['calibrate']): Promise<AutoMixedPrecisionResult> {
  const t0 = performance.now();
  const search: Task = { ...base, calibrate, evaluate: (m) => accuracy(m, search_set) };
  const held: Task = { ...search, evaluate: (m) => accuracy(m, held_set) };
  const r = await auto_mixed_precision(search, { drop_pp: 1 }, { held_out: held, margin_pp });
  const h = r.held_out as NonNullable<AutoMixedPrecisionResult['held_out']>;
  const seconds = (performance.now() - t0) / 1000;
  console.log(`\n${name}: search test [0, ${S}), held out [${S}, 10000), target fp32 − 1 pp on each`);
  console.log(`(the search required fp32 − 1 pp + ${margin_pp.toFixed(2)} pp = ${pct(r.search_goal)})`);
  console.log(`| | search | held out |\n|---|---|---|`);
  console.log(`| fp32 | ${pct(r.fp32_accuracy)} | ${pct(h.fp32)} |`);
  console.log(`| full 4-bit | ${pct(r.int8_accuracy)} | ${pct(h.int8)} |`);
  console.log(`| greedy mix (${r.float_layers.length} float) | ${pct(r.accuracy)} | ${pct(h.mix)} |`);
  console.log(
    `| ranking mix (${r.ranking?.float_layers.length} float) | ${pct(r.ranking?.accuracy)} | ${pct(h.ranking_mix)} |`,
  );
  console.log(`kept in float: ${r.float_layers.join(', ') || '(none)'}`);
  const margin = 100 * (h.mix - (h.fp32 - 0.01));
  console.log(
    `held out meets fp32 − 1 pp: ${h.meets_target} (${margin >= 0 ? '+' : ''}${margin.toFixed(2)} pp); ${r.evaluations} evaluations; ${seconds.toFixed(0)} s`,
  );
  out[name] = { ...r, qconfig_dict: undefined, seconds };
  return r;
}

if (method !== 'adaround') await run('auto_mixed_precision alone', base.calibrate);
if (method !== 'amp') {
  let ada_seconds = 0;
  const cal = adaround_calibrate(calib, base.calibrate, { iterations });
  await run(`AdaRound (${iterations} steps a layer) + auto_mixed_precision`, (p) => {
    const t0 = performance.now();
    cal(p);
    ada_seconds += (performance.now() - t0) / 1000;
  });
  console.log(`AdaRound + calibration time inside the search: ${ada_seconds.toFixed(0)} s`);
}
const json = arg('json');
if (json) writeFileSync(json, JSON.stringify(out, null, 1));
