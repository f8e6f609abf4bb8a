/**
 * `npm run bench -- forward_modes`: what the eval-free forward costs. A page under a Content-Security-Policy
 * without 'unsafe-eval' runs GraphModules through the Interpreter (fx.set_forward_mode('interpreter') forces
 * it here); this times FmnistCNN int8 (calibrated on the first 200 training images) and fp32 (traced) both
 * ways (two GraphModules over one graph, 7 interleaved rounds, median of the per-round ratios) on the js and
 * wasm backends at batch 1 and 32. Outputs are checked equal bit for bit.
 */

import { fmnist_cnn_with, ptq_fmnist_cnn } from '../examples/browser/ptq.js';
import { fx, load_fashion_mnist, load_safetensors, load_wasm_backend, set_backend, type Tensor } from '../index.js';
import { print_table, time_sync } from './_util.js';

const DATA = 'examples/data/fashion-mnist';

export async function run(_args: string[]): Promise<void> {
  load_wasm_backend({ variant: 'simd' });
  const train = load_fashion_mnist(DATA, 'train-first1000').images;
  const float = fmnist_cnn_with(load_safetensors('examples/weights/fmnist_cnn.safetensors'));
  const models = {
    int8: ptq_fmnist_cnn(float, train, 200, 'wasm'),
    fp32: fx.symbolic_trace(float),
  };
  const rows: (string | number)[][] = [];
  for (const backend of ['wasm', 'js'] as const) {
    set_backend(backend);
    for (const [name, gm] of Object.entries(models))
      for (const batch of [1, 32]) {
        const x = train.narrow(0, 0, batch);
        // two GraphModules over the same graph and submodules, one per forward mode
        fx.set_forward_mode('auto');
        const compiled = new fx.GraphModule(gm, gm.graph, gm.class_name);
        fx.set_forward_mode('interpreter');
        const interpreted = new fx.GraphModule(gm, gm.graph, gm.class_name);
        fx.set_forward_mode('auto');
        const hex = (m: fx.GraphModule) =>
          Buffer.from(((m.forward(x) as Tensor).data as Float32Array).buffer).toString('hex');
        if (hex(compiled) !== hex(interpreted))
          throw new Error(`${name} ${backend} b${batch}: interpreter output differs`);
        // interleaved rounds: the machine's load drifts, so compare within each round and take the median ratio
        const budget = batch === 1 ? 150 : 400;
        const c: number[] = [];
        const i: number[] = [];
        for (let r = 0; r < 7; r++) {
          c.push(time_sync(() => compiled.forward(x), { warmup: 2, min_runs: 3, budget_ms: budget }).median_ms);
          i.push(time_sync(() => interpreted.forward(x), { warmup: 2, min_runs: 3, budget_ms: budget }).median_ms);
        }
        const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
        rows.push([
          `FmnistCNN ${name}, ${backend}, batch ${batch}`,
          med(c).toFixed(3),
          med(i).toFixed(3),
          `${med(c.map((v, k) => i[k] / v)).toFixed(3)}×`,
          `${((med(i) - med(c)) * 1000).toFixed(0)} µs`,
        ]);
      }
  }
  fx.set_forward_mode('auto');
  print_table(['model, backend, batch', 'compiled ms', 'interpreter ms', 'median ratio', 'difference'], rows);
}
