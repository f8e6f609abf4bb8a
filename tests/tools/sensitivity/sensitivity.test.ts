// Sensitivity analysis: layer lists, qconfig_dicts, in-process and worker-thread runs agreeing, errors naming the job.

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import fmnist_resnet, { example_inputs as example_inputs_resnet } from '../../../examples/models/fmnist_resnet.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import {
  accuracy,
  DEFAULT_DATA_DIR,
  load_calibration,
  load_images,
  run_calibration,
} from '../../../tools/sensitivity/node/data.js';
import '../../../tools/sensitivity/node/workers.js'; // registers the TaskSpec runner (worker threads)
import { run_jobs } from '../../../tools/sensitivity/pool.js';
import {
  format_sensitivity_table,
  leave_one_out,
  one_at_a_time,
  quantizable_layers,
} from '../../../tools/sensitivity/sensitivity.js';
import { job_qconfig_dict, type Task, type TaskSpec, use_backend } from '../../../tools/sensitivity/task.js';
import { precision_units } from '../../../tools/sensitivity/units.js';
import create, { example_inputs } from '../../cli/fixtures/tiny_cnn.js';

const TINY = resolve(import.meta.dirname, '../../cli/fixtures/tiny_cnn.ts');
const spec: TaskSpec = { model: TINY, weights: false, calib_images: 20, eval_images: 60, backend: 'js' };

function tiny_task(): Task {
  use_backend('js');
  const calib = load_calibration(DEFAULT_DATA_DIR, 20);
  const test = load_images(DEFAULT_DATA_DIR, 'test', 60);
  return {
    model: create().eval(),
    example_inputs: example_inputs(),
    qconfig: get_default_qconfig('qnnpack'),
    backend: 'js',
    calibrate: (m) => run_calibration(m, calib.images),
    evaluate: (m) => accuracy(m, test),
  };
}

describe('sensitivity analysis', () => {
  it("lists FmnistResNet's layers and blocks as the reference table does", () => {
    expect(quantizable_layers(fmnist_resnet(), { include_blocks: true })).toEqual([
      'conv1',
      'layer1.conv1',
      'layer1.conv2',
      'layer2.conv1',
      'layer2.conv2',
      'layer2.downsample.0',
      'layer3.conv1',
      'layer3.conv2',
      'layer3.downsample.0',
      'fc',
      'layer1',
      'layer2',
      'layer3',
    ]);
  });

  it("lists FmnistResNet's precision units: layers, residual adds (scope:fn:index), relu after add, pool", () => {
    expect(precision_units(fmnist_resnet())).toEqual([
      'conv1',
      'layer1.conv1',
      'layer1.conv2',
      'layer1:add:0',
      'layer1.relu2',
      'layer2.conv1',
      'layer2.conv2',
      'layer2.downsample.0',
      'layer2:add:0',
      'layer2.relu2',
      'layer3.conv1',
      'layer3.conv2',
      'layer3.downsample.0',
      'layer3:add:0',
      'layer3.relu2',
      'avgpool',
      'fc',
    ]);
  });

  it('a scope:fn:index unit keeps exactly that function call float (module_name_object_type_order)', () => {
    const qc = get_default_qconfig('qnnpack');
    const d = job_qconfig_dict({ kind: 'all_but', layers: ['fc', 'layer1:add:0'] }, qc);
    expect(d).toEqual({
      '': qc,
      module_name: [['fc', null]],
      module_name_object_type_order: [['layer1', 'add', 0, null]],
    });
    const model = fmnist_resnet().eval();
    const x = example_inputs_resnet();
    const prepared = prepare_fx(model, d, x, null, { warn: false });
    prepared.call(...x);
    const names = convert_fx(prepared).graph.nodes.map((n) => `${n.op}:${n.target}`);
    expect(names.filter((n) => n.endsWith('add_relu')).length).toBe(2); // layer2's and layer3's stay int8
    expect(names).toContain('call_function:add'); // layer1's add runs in float
    expect(names).toContain('call_module:fc');
  });

  it('builds PyTorch-shaped qconfig_dicts for each kind of job', () => {
    const qc = get_default_qconfig('qnnpack');
    expect(job_qconfig_dict({ kind: 'fp32' }, qc)).toEqual({ '': null });
    expect(job_qconfig_dict({ kind: 'only', layers: ['fc'] }, qc)).toEqual({ '': null, module_name: [['fc', qc]] });
    expect(job_qconfig_dict({ kind: 'all_but', layers: ['a', 'b'] }, qc)).toEqual({
      '': qc,
      module_name: [
        ['a', null],
        ['b', null],
      ],
    });
  });

  it('worker threads (model rebuilt from the file) reproduce the in-process results exactly', async () => {
    const in_process = await one_at_a_time(tiny_task());
    const seen: number[] = [];
    const threaded = await one_at_a_time(spec, { workers: 2, on_result: (_i, _r, done) => seen.push(done) });
    expect(threaded.rows.map((r) => [r.layer, r.accuracy])).toEqual(in_process.rows.map((r) => [r.layer, r.accuracy]));
    expect(threaded.fp32_accuracy).toBe(in_process.fp32_accuracy);
    expect(threaded.int8_accuracy).toBe(in_process.int8_accuracy);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(format_sensitivity_table(threaded)).toMatch(/\| quantized alone \| acc \| Δ \(pp\) \|[\s\S]*\| conv1 \|/);
  });

  it('leave_one_out measures against all-int8 and sorts by the accuracy regained', async () => {
    const r = await leave_one_out(tiny_task(), { layers: ['conv1', 'fc'] });
    expect(r.baseline).toBe(r.int8_accuracy);
    for (const row of r.rows) expect(row.delta_pp).toBeCloseTo(100 * (row.accuracy - r.int8_accuracy), 9);
    expect(r.rows[0].delta_pp).toBeGreaterThanOrEqual(r.rows[1].delta_pp);
  });

  it('a failing job or a worker that cannot build the task rejects, naming it', async () => {
    await expect(one_at_a_time(tiny_task(), { layers: ['nope'] })).rejects.toThrow(/nope/);
    await expect(
      run_jobs({ ...spec, model: resolve(TINY, '../missing.ts') }, [{ kind: 'fp32' }], { workers: 1 }),
    ).rejects.toThrow(/sensitivity worker 0: cannot build the task from .*missing\.ts: model file not found/);
    const bad_eval: Task = { ...tiny_task(), evaluate: () => 7 };
    await expect(one_at_a_time(bad_eval, { layers: ['fc'] })).rejects.toThrow(
      /returned 7 for fp32; expected an accuracy in \[0, 1\]/,
    );
  });
});
