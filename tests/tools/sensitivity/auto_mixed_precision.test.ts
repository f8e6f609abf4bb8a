// auto_mixed_precision on a small CNN with the 4-bit qconfig; metric = top-1 agreement with the fp32 model.
import { describe, expect, it } from 'vitest';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { Generator, randn } from '../../../index.js';
import type { Module } from '../../../runtime/nn/module.js';
import { auto_mixed_precision } from '../../../tools/sensitivity/auto_mixed_precision.js';
import { predict, run_calibration } from '../../../tools/sensitivity/node/data.js';
import { get_4bit_qconfig } from '../../../tools/sensitivity/qconfigs.js';
import { type Task, use_backend } from '../../../tools/sensitivity/task.js';
import create, { example_inputs } from '../../cli/fixtures/tiny_cnn.js';

function agreement_task(test_seed = 6): Task {
  use_backend('js');
  const model = create().eval();
  const calib = randn([40, 1, 28, 28], { generator: new Generator(5) });
  const test = randn([120, 1, 28, 28], { generator: new Generator(test_seed) });
  const ref = predict(model, test);
  return {
    model,
    example_inputs: example_inputs(),
    qconfig: get_4bit_qconfig(),
    backend: 'js',
    calibrate: (m) => run_calibration(m, calib, 20),
    evaluate: (m: Module) => {
      const p = predict(m, test);
      return p.filter((c, i) => c === ref[i]).length / p.length;
    },
  };
}

describe('auto_mixed_precision', () => {
  it('finds float layers meeting the target; its qconfig_dict reproduces the accuracy; no more layers than the ranking', async () => {
    const task = agreement_task();
    const r = await auto_mixed_precision(task, 0.99);
    expect(r.fp32_accuracy).toBe(1);
    expect(r.int8_accuracy).toBeLessThan(0.99); // 4-bit everywhere loses agreement on this net
    expect(r.met_target).toBe(true);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(r.float_layers.length).toBeGreaterThan(0);
    expect(r.steps.at(-1)?.float_layers).toEqual(r.float_layers);
    expect(r.qconfig_dict['']).toBe(task.qconfig);
    expect(r.qconfig_dict.module_name).toEqual(r.float_layers.map((l) => [l, null]));
    // independently: prepare/calibrate/convert with the returned dict
    const prepared = prepare_fx(task.model, r.qconfig_dict, task.example_inputs, null, { warn: false });
    task.calibrate(prepared);
    expect(task.evaluate(convert_fx(prepared))).toBe(r.accuracy);
    expect(r.ranking?.met_target).toBe(true);
    expect(r.float_layers.length).toBeLessThanOrEqual(r.ranking?.float_layers.length ?? 0);
  });

  it('re-evaluates on a held-out Task with its own calibrate; a margin raises the search goal but not the held-out one', async () => {
    const task = agreement_task();
    const other = agreement_task(7); // other images, same model
    let held_calibrations = 0;
    const held: Task = {
      ...other,
      calibrate: (m) => {
        held_calibrations++;
        other.calibrate(m);
      },
    };
    const r = await auto_mixed_precision(task, 0.97, { held_out: held, margin_pp: 2 });
    expect(r.target).toBe(0.97);
    expect(r.search_goal).toBeCloseTo(0.99, 12);
    expect(r.met_target).toBe(true);
    expect(r.accuracy).toBeGreaterThanOrEqual(r.search_goal);
    for (const s of r.steps) expect(s.accuracy).toBeGreaterThanOrEqual(r.search_goal);
    const h = r.held_out;
    if (!h || !r.ranking) throw new Error('expected held-out figures and a ranking');
    expect(held_calibrations).toBe(3); // full int8, the greedy mix, the ranking's mix (fp32 needs none)
    const on_held = (dict: typeof r.qconfig_dict): number => {
      const p = prepare_fx(task.model, dict, task.example_inputs, null, { warn: false });
      other.calibrate(p);
      return other.evaluate(convert_fx(p));
    };
    expect(h.fp32).toBe(1);
    expect(h.mix).toBe(on_held(r.qconfig_dict));
    expect(h.int8).toBe(on_held({ '': task.qconfig }));
    expect(h.meets_target).toBe(h.mix >= 0.97);
    await expect(auto_mixed_precision(task, 0.97, { margin_pp: -1 })).rejects.toThrow(
      /margin_pp must be in \[0, 100\]/,
    );
  });

  it('returns no float layers when full quantization already meets the target, and rejects impossible targets', async () => {
    const task = agreement_task();
    const r = await auto_mixed_precision(task, { drop_pp: 100 });
    expect(r.float_layers).toEqual([]);
    expect(r.evaluations).toBe(2);
    await expect(auto_mixed_precision(task, 1.5)).rejects.toThrow(/target accuracy 1.5 is outside \[0, 1\]/);
  });
});
