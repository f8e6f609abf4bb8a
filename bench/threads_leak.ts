/**
 * `npm run bench -- threads_leak [--cycles 1000] [--model fmnist_resnet]`: creates and drops a quantized
 * model (load_quantized of saved bytes, one forward) and changes the thread count (2, 1, 3, 1, …) every
 * cycle; every tenth of the run it prints the live workers (after their exit events), the process RSS, the
 * JS heap and the wasm memory size after a GC (run with `node --expose-gc` for exact figures: the bench
 * re-launches itself with it). Flat columns = no leak of workers, pools, packed weights or wasm memory.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serialize_quantized } from '../compiler/artifact/index.js';
import { quantize_ptq } from '../examples/lib/ptq.js';
import { get_example_model } from '../examples/models/index.js';
import { Generator, load_quantized, no_grad, randn, type Tensor } from '../index.js';
import { set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { set_num_threads, threads_ready } from '../runtime/threads/num_threads.js';
import { live_worker_count } from '../runtime/threads/spawn.js';
import { arg_value, print_table } from './_util.js';

const gc = (globalThis as { gc?: () => void }).gc;

export async function run(args: string[]): Promise<void> {
  if (!gc) {
    // re-run with --expose-gc so the memory figures are after a full collection
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...args],
      {
        stdio: 'inherit',
        env: { ...process.env, FXQ_THREADS_LEAK_CHILD: '1' },
      },
    );
    process.exitCode = r.status ?? 1;
    return;
  }
  const cycles = Number(arg_value(args, 'cycles') ?? 1000);
  const name = arg_value(args, 'model') ?? 'fmnist_resnet';
  const wasm = load_wasm_backend();
  set_backend('wasm');
  const spec = get_example_model(name);
  const fp32 = (spec.pretrained?.() ?? spec.create()).eval();
  const shape = spec.example_inputs()[0].shape;
  const g = new Generator(0);
  const q = quantize_ptq(fp32, spec.example_inputs(), (p) =>
    no_grad(() => p.call(randn([4, ...shape.slice(1)], { generator: g }))),
  ).quantized;
  const bytes = serialize_quantized(q);
  const x = randn([4, ...shape.slice(1)], { generator: g });
  const ref = (no_grad(() => q.call(x)) as Tensor).data as Float32Array;
  const counts = [2, 1, 3, 1];
  const rows: (string | number)[][] = [];
  let mismatches = 0;
  const t0 = performance.now();
  for (let i = 0; i <= cycles; i++) {
    if (i % Math.max(1, Math.floor(cycles / 10)) === 0) {
      set_num_threads(1);
      await new Promise((r) => setTimeout(r, 100)); // worker 'exit' events
      gc();
      await new Promise((r) => setTimeout(r, 10)); // finalizers free packed weights
      gc();
      const m = process.memoryUsage();
      rows.push([
        i,
        live_worker_count(),
        (m.rss / 2 ** 20).toFixed(1),
        (m.heapUsed / 2 ** 20).toFixed(1),
        (wasm.instance.heap.byte_length / 2 ** 20).toFixed(1),
        ((performance.now() - t0) / 1000).toFixed(1),
      ]);
    }
    if (i === cycles) break;
    set_num_threads(counts[i % counts.length]);
    await threads_ready();
    const model = load_quantized(bytes);
    const y = (no_grad(() => model.call(x)) as Tensor).data as Float32Array;
    if (y.some((v, j) => v !== ref[j])) mismatches++;
  }
  set_num_threads(1);
  console.log(
    `\n${name}: ${cycles} cycles of load_quantized + forward (batch 4) + set_num_threads(${counts.join(', ')}, …); outputs ≠ 1-thread reference: ${mismatches}\n`,
  );
  print_table(['cycle', 'live workers', 'RSS MiB', 'JS heap MiB', 'wasm memory MiB', 'seconds'], rows);
}

if (process.env.FXQ_THREADS_LEAK_CHILD && process.argv[1] === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
