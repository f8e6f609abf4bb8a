/**
 * `npm run bench -- fp32 [--models fmnist_cnn,fmnist_resnet] [--batches 1,32] [--backends js,wasm]
 *  [--budget-ms 2000] [--onnx DIR]`
 *
 * fp32 latency / throughput of the Fashion-MNIST models in fxq on each kernel backend (js reference,
 * wasm f32x4) and, in the same run, onnxruntime-web (wasm, 1 thread) on the reference ONNX exports,
 * with the ratios. Inputs are the first N test images. Each cell records wall and process-CPU medians
 * (bench/_capped_timing.ts): wall medians move ~25% (and far more when other jobs share the VM), CPU
 * time per call much less — read the ratios, and prefer the CPU ones on a busy machine.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendName, with_backend } from '../examples/lib/latency.js';
import { FMNIST_MODELS } from '../examples/models/index.js';
import { load_fashion_mnist, no_grad, Tensor } from '../index.js';
import { get_backend, set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { type Cell, settle, time_capped, time_ort } from './_capped_timing.js';
import { DEFAULT_ONNX_DIR, load_ort, ort_session } from './_ort.js';
import { arg_value, format_ms, per_second, print_table } from './_util.js';

const here = dirname(fileURLToPath(import.meta.url));

function parse_backends(v: string): BackendName[] {
  const list = v.split(',');
  for (const b of list)
    if (b !== 'js' && b !== 'wasm') throw new Error(`bench fp32: --backends: unknown backend '${b}' (js, wasm)`);
  return list as BackendName[];
}

/** Selects `backend` for the whole (async) timing, then restores the previous one. */
async function on_backend<T>(backend: BackendName, fn: () => Promise<T>): Promise<T> {
  if (backend === 'wasm') load_wasm_backend();
  const prev = get_backend().name;
  set_backend(backend);
  try {
    return await fn();
  } finally {
    set_backend(prev);
  }
}

const ms = (c: Cell | null, f: 'median_ms' | 'cpu_ms') => (c?.[f] == null ? '—' : format_ms(c[f] as number));
const ratio = (a: Cell | null, b: Cell | null, f: 'median_ms' | 'cpu_ms') =>
  a?.[f] && b?.[f] ? `${((a[f] as number) / (b[f] as number)).toFixed(2)}x` : '—';

export async function run(args: string[]): Promise<void> {
  const names = (arg_value(args, 'models') ?? 'fmnist_cnn,fmnist_resnet').split(',');
  const batches = (arg_value(args, 'batches') ?? '1,32').split(',').map(Number);
  const backends = parse_backends(arg_value(args, 'backends') ?? 'js,wasm');
  const cap = { budget_ms: Number(arg_value(args, 'budget-ms') ?? 2000), max_call_ms: 60_000, quick: false };
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
    if (session) await settle(); // V8 compiles onnxruntime's wasm in the background for a while
    for (const b of batches) {
      const data = images.data.subarray(0, b * 784) as Float32Array;
      const x = new Tensor(data, [b, 1, 28, 28], 'float32');
      const fx = new Map<BackendName, Cell>();
      for (const be of backends)
        fx.set(be, await on_backend(be, () => time_capped(() => no_grad(() => model.call(x)), null, cap)));
      const ot = session ? await time_ort(session, data, [b, 1, 28, 28], null, cap) : null;
      let max_diff = Number.NaN;
      if (session) {
        const ref = await session.run(data, [b, 1, 28, 28]);
        // the last backend's logits against ORT's: the same fp32 maths, different summation order
        const got = with_backend(backends[backends.length - 1], () => no_grad(() => (model.call(x) as Tensor).data));
        max_diff = ref.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0);
      }
      const row: (string | number)[] = [name, b];
      for (const be of backends) {
        const t = fx.get(be)!;
        row.push(ms(t, 'median_ms'), ms(t, 'cpu_ms'), per_second(b, t.median_ms!).toFixed(0));
      }
      row.push(ms(ot, 'median_ms'), ms(ot, 'cpu_ms'), ot?.median_ms ? per_second(b, ot.median_ms).toFixed(0) : '—');
      for (const be of backends) row.push(ratio(fx.get(be)!, ot, 'median_ms'), ratio(fx.get(be)!, ot, 'cpu_ms'));
      row.push(Number.isNaN(max_diff) ? '—' : max_diff.toExponential(1));
      rows.push(row);
    }
  }
  console.log('\nfp32, single thread, median wall ms and median process-CPU ms per call after warm-up;');
  console.log('img/s from the wall median; inputs = first N test images\n');
  print_table(
    [
      'model',
      'batch',
      ...backends.flatMap((be) => [`fxq ${be} ms`, `fxq ${be} cpu ms`, `fxq ${be} img/s`]),
      'ORT-web ms',
      'ORT-web cpu ms',
      'ORT-web img/s',
      ...backends.flatMap((be) => [`${be}/ORT wall`, `${be}/ORT cpu`]),
      `max |Δlogit| ${backends[backends.length - 1]} vs ORT`,
    ],
    rows,
  );
}
