/**
 * Calibration and the sensitivity tools on 2 threads (runtime/threads): observers run on the calling thread,
 * so a model calibrated with the kernels split across threads records the same statistics, converts to the
 * same int8 model and gives the same outputs as on one thread; one_at_a_time reports the same accuracies.
 * The hand-off threshold is 0 so this tiny CNN's kernels really split (the test checks the workers ran chunks).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { Generator, no_grad, quantization, randn, type Tensor } from '../../../index.js';
import { set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import type { Module } from '../../../runtime/nn/module.js';
import { set_num_threads, threads_ready } from '../../../runtime/threads/num_threads.js';
import { pool_of } from '../../../runtime/threads/pool.js';
import { min_parallel_work } from '../../../runtime/threads/splits.js';
import { predict, run_calibration } from '../../../tools/sensitivity/node/data.js';
import { one_at_a_time } from '../../../tools/sensitivity/sensitivity.js';
import type { Task } from '../../../tools/sensitivity/task.js';
import create, { example_inputs } from '../../cli/fixtures/tiny_cnn.js';

const wasm = load_wasm_backend();
const saved = { ...min_parallel_work };
afterAll(() => {
  Object.assign(min_parallel_work, saved);
  set_num_threads(1);
  set_backend('js');
});

const model = create().eval();
const calib = randn([40, 1, 28, 28], { generator: new Generator(5) });
const test = randn([60, 1, 28, 28], { generator: new Generator(6) });

/** Everything a calibrated model recorded, as plain numbers (observer buffers included). */
function state_of(m: Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.state_dict()).map(([k, v]) => [k, Array.from((v as Tensor).data)]));
}

/** prepare_fx → calibrate → convert_fx at `threads` threads: the observers' state and the int8 outputs. */
async function ptq_at(threads: number) {
  set_num_threads(threads);
  await threads_ready();
  const prepared = prepare_fx(model, { '': quantization.get_default_qconfig('qnnpack') }, example_inputs());
  run_calibration(prepared, calib, 20);
  const state = state_of(prepared);
  const out = no_grad(() => (convert_fx(prepared).call(test) as Tensor).data);
  return { state, out: Array.from(out) };
}

describe('calibration and sensitivity on 2 threads (wasm)', () => {
  it('calibrates to the same observer state and int8 outputs as 1 thread, with the workers computing', async () => {
    set_backend('wasm');
    Object.assign(min_parallel_work, { macs: 0, elements: 1 });
    const one = await ptq_at(1);
    const chunks0 = pool_of(wasm.instance)?.worker_chunks ?? 0;
    const two = await ptq_at(2);
    expect((pool_of(wasm.instance)?.worker_chunks ?? 0) - chunks0).toBeGreaterThan(0);
    expect(Object.keys(two.state)).toEqual(Object.keys(one.state));
    for (const k of Object.keys(one.state)) expect(two.state[k], k).toEqual(one.state[k]);
    expect(two.out).toEqual(one.out);
  }, 60_000);

  it('one_at_a_time reports the same accuracies at 1 and 2 threads', async () => {
    set_backend('wasm');
    Object.assign(min_parallel_work, { macs: 0, elements: 1 });
    const ref = predict(model, test);
    const task: Task = {
      model,
      example_inputs: example_inputs(),
      qconfig: quantization.get_default_qconfig('qnnpack'),
      backend: 'wasm',
      calibrate: (m) => run_calibration(m, calib, 20),
      evaluate: (m: Module) => {
        const p = predict(m, test);
        return p.filter((c, i) => c === ref[i]).length / p.length;
      },
    };
    const rows = async (threads: number) => {
      set_num_threads(threads);
      await threads_ready();
      const r = await one_at_a_time(task);
      return { fp32: r.fp32_accuracy, int8: r.int8_accuracy, rows: r.rows.map((x) => [x.layer, x.accuracy]) };
    };
    const one = await rows(1);
    const two = await rows(2);
    expect(two).toEqual(one);
    expect(one.rows.length).toBeGreaterThan(1);
  }, 60_000);
});
