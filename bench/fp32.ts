/**
 * `npm run bench -- fp32 [--models fmnist_cnn,fmnist_resnet] [--batches 1,32] [--backends js,wasm]
 *  [--budget-ms 2000] [--onnx DIR]`
 *
 * fp32 latency / throughput of the Fashion-MNIST models in fxq on each kernel backend (js reference,
 * wasm f32x4) and, in the same run, onnxruntime-web (wasm, 1 thread) on the reference ONNX exports,
 * with the ratios. Inputs are the first N test images. Medians move ~25% between runs on these VMs:
 * read the ratios, not the figures.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendName, time_model, with_backend } from '../examples/lib/latency.js';
import { FMNIST_MODELS } from '../examples/models/index.js';
import { load_fashion_mnist, no_grad, Tensor } from '../index.js';
import { DEFAULT_ONNX_DIR, load_ort, ort_session } from './_ort.js';
import { arg_value, format_ms, per_second, print_table, type Timing, time_async } from './_util.js';

const here = dirname(fileURLToPath(import.meta.url));

function parse_backends(v: string): BackendName[] {
  const list = v.split(',');
  for (const b of list)
    if (b !== 'js' && b !== 'wasm') throw new Error(`bench fp32: --backends: unknown backend '${b}' (js, wasm)`);
  return list as BackendName[];
}

export async function run(args: string[]): Promise<void> {
  const names = (arg_value(args, 'models') ?? 'fmnist_cnn,fmnist_resnet').split(',');
  const batches = (arg_value(args, 'batches') ?? '1,32').split(',').map(Number);
  const backends = parse_backends(arg_value(args, 'backends') ?? 'js,wasm');
  const budget_ms = Number(arg_value(args, 'budget-ms') ?? 2000);
  const onnx_dir = arg_value(args, 'onnx') ?? DEFAULT_ONNX_DIR;
  const { images } = load_fashion_mnist(join(here, '..', 'examples', 'data', 'fashion-mnist'), 'test');
  const ort = existsSync(onnx_dir) ? await load_ort() : null;
  if (!existsSync(onnx_dir)) console.log(`${onnx_dir} not found: skipping ONNX Runtime (pass --onnx DIR)`);

  const rows: (string | number)[][] = [];
  for (const name of names) {
    const spec = FMNIST_MODELS.find((m) => m.name === name);
    if (!spec)
      throw new Error(`bench fp32: unknown model '${name}' (have ${FMNIST_MODELS.map((m) => m.name).join(', ')})`);
    const model = spec.pretrained!().eval();
    const onnx_path = join(onnx_dir, `${name}.onnx`);
    const session = ort ? await ort_session(ort, onnx_path) : null;
    if (ort && !session) console.log(`${onnx_path} not found: no ORT figure for ${name}`);
    for (const b of batches) {
      const data = images.data.subarray(0, b * 784) as Float32Array;
      const x = new Tensor(data, [b, 1, 28, 28], 'float32');
      const fx = new Map<BackendName, Timing>();
      for (const be of backends) fx.set(be, time_model(model, x, be, { budget_ms }));
      let ot: Timing | null = null;
      let max_diff = Number.NaN;
      if (session) {
        const ref = await session.run(data, [b, 1, 28, 28]);
        // the last backend's logits against ORT's: the same fp32 maths, different summation order
        const got = with_backend(backends[backends.length - 1], () => no_grad(() => (model.call(x) as Tensor).data));
        max_diff = ref.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0);
        ot = await time_async(() => session.run(data, [b, 1, 28, 28]), { budget_ms });
      }
      const row: (string | number)[] = [name, b];
      for (const be of backends) {
        const t = fx.get(be)!;
        row.push(format_ms(t.median_ms), per_second(b, t.median_ms).toFixed(0));
      }
      row.push(ot ? format_ms(ot.median_ms) : '—', ot ? per_second(b, ot.median_ms).toFixed(0) : '—');
      for (const be of backends) row.push(ot ? `${(fx.get(be)!.median_ms / ot.median_ms).toFixed(2)}x` : '—');
      row.push(Number.isNaN(max_diff) ? '—' : max_diff.toExponential(1));
      rows.push(row);
    }
  }
  console.log('\nfp32, single thread, median ms per call after warm-up; inputs = first N test images\n');
  print_table(
    [
      'model',
      'batch',
      ...backends.flatMap((be) => [`fxq ${be} ms`, `fxq ${be} img/s`]),
      'ORT-web ms',
      'ORT-web img/s',
      ...backends.map((be) => `${be}/ORT time`),
      `max |Δlogit| ${backends[backends.length - 1]} vs ORT`,
    ],
    rows,
  );
}
