// FmnistResNet against PyTorch (docs/reference/RESULTS.md §4, copied to tests/fixtures/tools), kept light for the test
// suite: per-layer SQNR of the int8 model over the first 500 test images within 1 dB of the 2,000-image
// reference, weight SQNR within 0.05 dB, and one row of the one-at-a-time table (2,000 images) within
// 0.3 pp. The full table and the 2,000-image SQNR run in examples/sensitivity_fmnist.ts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { compare_layers } from '../../tools/numeric_suite/layer_report.js';
import { load_images, rows } from '../../tools/sensitivity/node/data.js';
import { load_task } from '../../tools/sensitivity/node/task_spec.js';
import { run_jobs } from '../../tools/sensitivity/pool.js';
import { job_qconfig_dict, type TaskSpec } from '../../tools/sensitivity/task.js';

interface Reference {
  one_at_a_time: { layer: string; accuracy: number }[];
  per_layer_sqnr: { layer: string; act_sqnr_db: number; weight_sqnr_db?: number }[];
  fp32_accuracy: number;
}
const ref = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../fixtures/tools/fmnist_resnet_sensitivity.json'), 'utf8'),
) as Reference;
const spec: TaskSpec = {
  model: resolve(import.meta.dirname, '../../examples/models/fmnist_resnet.ts'),
  calib_images: 1000,
  eval_images: 2000,
};

/** Reference row names → fxq layer names ('input (…)' is the quantized input x; 'layerN_relu2 (add+relu)' the fused add). */
function fxq_name(layer: string): string {
  if (layer.startsWith('input')) return 'x';
  return layer.replace(/^(layer\d)_relu2 .*/, '$1.relu2');
}

describe('FmnistResNet vs PyTorch (docs/reference/RESULTS.md §4)', () => {
  it('per-layer activation SQNR within 1 dB and weight SQNR within 0.05 dB (first 500 test images)', async () => {
    const task = await load_task(spec);
    const prepared = prepare_fx(
      task.model,
      job_qconfig_dict({ kind: 'int8' }, task.qconfig),
      task.example_inputs,
      null,
      { warn: false },
    );
    task.calibrate(prepared);
    const q = convert_fx(prepared, { backend: 'wasm' });
    const test = load_images(resolve(import.meta.dirname, '../../examples/data/fashion-mnist'), 'test', 500);
    const batches = Array.from({ length: 2 }, (_, i) => [rows(test.images, 250 * i, 250)]);
    const mine = new Map(compare_layers(task.model, q, batches).map((l) => [l.layer, l]));
    let compared = 0;
    for (const r of ref.per_layer_sqnr) {
      if (r.layer.startsWith('output')) continue; // the dequantized logits are fc's output
      const m = mine.get(fxq_name(r.layer));
      expect(m, r.layer).toBeDefined();
      expect(Math.abs((m?.sqnr ?? 0) - r.act_sqnr_db), r.layer).toBeLessThan(1);
      if (r.weight_sqnr_db !== undefined)
        expect(Math.abs((m?.weight_sqnr ?? 0) - r.weight_sqnr_db), r.layer).toBeLessThan(0.05);
      compared++;
    }
    expect(compared).toBe(15);
  });

  it('conv1 quantized alone: 90.60% on the first 2,000 test images, as PyTorch (within 0.3 pp; a worker thread)', async () => {
    const [r] = await run_jobs(spec, [{ kind: 'only', layers: ['conv1'] }], { workers: 1 });
    const want = ref.one_at_a_time.find((x) => x.layer === 'conv1')?.accuracy as number;
    expect(want).toBeCloseTo(0.906, 9);
    expect(Math.abs(r.accuracy - want)).toBeLessThanOrEqual(0.003 + 1e-12);
  });
});
