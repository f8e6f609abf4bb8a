/**
 * `npm run bench -- forward_modes`: what the eval-free forward costs. A page under a Content-Security-Policy
 * without 'unsafe-eval' runs GraphModules through the Interpreter (fx.set_forward_mode('interpreter') forces
 * it here); this times FmnistCNN int8 (calibrated on the first 200 training images) and fp32 (traced) both
 * ways, interleaved, on the js and wasm backends at batch 1 and 32. Outputs are checked equal bit for bit.
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
        const out: Record<string, string> = {};
        const ms: Record<string, number> = {};
        for (const mode of ['auto', 'interpreter'] as const) {
          fx.set_forward_mode(mode);
          gm.recompile();
          out[mode] = Buffer.from(((gm.forward(x) as Tensor).data as Float32Array).buffer).toString('hex');
          ms[mode] = time_sync(() => gm.forward(x), { warmup: 5, budget_ms: batch === 1 ? 1500 : 3000 }).median_ms;
        }
        if (out.auto !== out.interpreter) throw new Error(`${name} ${backend} b${batch}: interpreter output differs`);
        rows.push([
          `FmnistCNN ${name}, ${backend}, batch ${batch}`,
          ms.auto.toFixed(3),
          ms.interpreter.toFixed(3),
          `${(ms.interpreter / ms.auto).toFixed(3)}×`,
        ]);
      }
  }
  fx.set_forward_mode('auto');
  print_table(['model, backend, batch', 'compiled ms', 'interpreter ms', 'ratio'], rows);
}
