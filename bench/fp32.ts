/**
 * `npm run bench -- fp32 [--models fmnist_cnn,fmnist_resnet] [--batches 1,32] [--budget-ms 2000] [--onnx DIR]`
 *
 * fp32 latency / throughput of the Fashion-MNIST models in fxq (current default backend) and, in the
 * same run, onnxruntime-web (wasm, 1 thread) on the reference ONNX exports, with the ratio. Inputs are
 * the first N test images. Medians move ~25% between runs on these VMs: read the ratio, not the figures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FMNIST_MODELS } from '../examples/models/index.js';
import { load_fashion_mnist, no_grad, Tensor } from '../index.js';
import { get_backend } from '../runtime/backends/registry.js';
import { arg_value, format_ms, per_second, print_table, type Timing, time_async, time_sync } from './_util.js';

const here = dirname(fileURLToPath(import.meta.url));

type OrtModule = typeof import('onnxruntime-web');

async function load_ort(): Promise<OrtModule | null> {
  try {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    return ort;
  } catch (e) {
    console.log(`onnxruntime-web unavailable (${(e as Error).message}): skipping ORT`);
    return null;
  }
}

export async function run(args: string[]): Promise<void> {
  const names = (arg_value(args, 'models') ?? 'fmnist_cnn,fmnist_resnet').split(',');
  const batches = (arg_value(args, 'batches') ?? '1,32').split(',').map(Number);
  const budget_ms = Number(arg_value(args, 'budget-ms') ?? 2000);
  const onnx_dir = arg_value(args, 'onnx') ?? join(here, '..', '..', 'shared', 'reference', 'onnx');
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
    const session =
      ort && existsSync(onnx_path)
        ? await ort.InferenceSession.create(readFileSync(onnx_path), {
            executionProviders: ['wasm'],
            graphOptimizationLevel: 'all',
          })
        : null;
    if (ort && !session) console.log(`${onnx_path} not found: no ORT figure for ${name}`);
    for (const b of batches) {
      const data = images.data.subarray(0, b * 784) as Float32Array;
      const x = new Tensor(data, [b, 1, 28, 28], 'float32');
      let y: Tensor | null = null;
      const fx: Timing = no_grad(() =>
        time_sync(
          () => {
            y = model.call(x) as Tensor;
          },
          { budget_ms },
        ),
      );
      let ot: Timing | null = null;
      let max_diff = Number.NaN;
      if (ort && session) {
        const feeds = { input: new ort.Tensor('float32', data, [b, 1, 28, 28]) };
        const ref = (await session.run(feeds)).logits.data as Float32Array;
        const got = (y as Tensor | null)?.data ?? new Float32Array(0);
        max_diff = ref.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0);
        ot = await time_async(() => session.run(feeds), { budget_ms });
      }
      rows.push([
        name,
        b,
        format_ms(fx.median_ms),
        format_ms(fx.p10_ms),
        per_second(b, fx.median_ms).toFixed(0),
        ot ? format_ms(ot.median_ms) : '—',
        ot ? per_second(b, ot.median_ms).toFixed(0) : '—',
        ot ? `${(fx.median_ms / ot.median_ms).toFixed(2)}x` : '—',
        Number.isNaN(max_diff) ? '—' : max_diff.toExponential(1),
      ]);
    }
  }
  console.log(`\nfp32, single thread, median of timed runs after warm-up; fxq backend '${get_backend().name}'\n`);
  print_table(
    [
      'model',
      'batch',
      'fxq ms',
      'fxq p10 ms',
      'fxq img/s',
      'ORT-web ms',
      'ORT-web img/s',
      'fxq/ORT time',
      'max |Δlogit|',
    ],
    rows,
  );
}
