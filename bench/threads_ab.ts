/**
 * `npm run bench -- threads_ab [--model resnet18] [--kind int8|fp32|fp32_fused] [--batch 8] [--threads 2]
 *   [--knob elements|macs|spin] [--values 65536,1e12] [--seconds 20]`
 *
 * A/B of one threading tunable on one model's forward, alternating the values call by call in one warm process
 * at a fixed thread count: each pair of calls a few ms apart sees the same machine, so the median of the per-pair
 * ratios stays steady where a second core's share comes and goes over seconds (on the 2-vCPU VM, ResNet-18 int8
 * batch 1 with elementwise splits on and off: A's median 37.6 ms in one run, 32.3 ms in another, the pair ratio 1.000
 * and 0.995). Knobs: `elements` and `macs`
 * (min_parallel_work: below it a call stays on one thread; 1e12 turns that kind of split off), `spin`
 * (thread_spin.worker_us: how long a worker polls for the next job before it sleeps).
 */
import { performance } from 'node:perf_hooks';
import { fuse_fx } from '../compiler/quantize_fx.js';
import { symbolic_trace } from '../compiler/trace/symbolic_trace.js';
import { type nn, no_grad } from '../index.js';
import { set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { set_num_threads, threads_ready } from '../runtime/threads/num_threads.js';
import { min_parallel_work } from '../runtime/threads/plan.js';
import { thread_spin } from '../runtime/threads/pool.js';
import { DEFAULT_ONNX_DIR } from './_ort.js';
import { int8_of, subject } from './_subjects.js';
import { arg_value, format_ms, print_table, quantile } from './_util.js';

const KNOBS: Record<string, (v: number) => void> = {
  elements: (v) => {
    min_parallel_work.elements = v;
  },
  macs: (v) => {
    min_parallel_work.macs = v;
  },
  spin: (v) => {
    thread_spin.worker_us = v;
  },
};

export async function run(args: string[]): Promise<void> {
  const name = arg_value(args, 'model') ?? 'resnet18';
  const kind = arg_value(args, 'kind') ?? 'int8';
  const batch = Number(arg_value(args, 'batch') ?? 8);
  const threads = Number(arg_value(args, 'threads') ?? 2);
  const knob = arg_value(args, 'knob') ?? 'elements';
  const values = (arg_value(args, 'values') ?? '65536,1e12').split(',').map(Number);
  const seconds = Number(arg_value(args, 'seconds') ?? 20);
  const set_knob = KNOBS[knob];
  if (!set_knob) throw new Error(`bench threads_ab: --knob must be one of ${Object.keys(KNOBS).join(', ')}`);
  if (values.length !== 2 || values.some((v) => !(v >= 0)))
    throw new Error(`bench threads_ab: --values must be two non-negative numbers, got '${arg_value(args, 'values')}'`);
  if (!['int8', 'fp32', 'fp32_fused'].includes(kind))
    throw new Error(`bench threads_ab: --kind must be int8, fp32 or fp32_fused, got '${kind}'`);
  load_wasm_backend();
  set_backend('wasm');
  const s = subject(name, DEFAULT_ONNX_DIR);
  let model: nn.Module = symbolic_trace(s.model);
  if (kind === 'fp32_fused') model = fuse_fx(s.model);
  if (kind === 'int8') model = int8_of(s);
  const x = s.input(batch);
  set_num_threads(threads);
  await threads_ready();
  const call = () => no_grad(() => model.call(x));
  // warm-up at each value, then pairs (A then B) until the time is up
  for (const v of values) {
    set_knob(v);
    const end = performance.now() + 1500;
    while (performance.now() < end) call();
  }
  const samples: number[][] = [[], []];
  const ratios: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 2; i++) {
      set_knob(values[i]);
      const t0 = performance.now();
      call();
      samples[i].push(performance.now() - t0);
    }
    ratios.push(samples[0][samples[0].length - 1] / samples[1][samples[1].length - 1]);
  }
  set_num_threads(1);
  for (const s of [...samples, ratios]) s.sort((a, b) => a - b);
  console.log(
    `\n${name} ${kind}, batch ${batch}, ${threads} threads, ${knob} = ${values[0]} (A) vs ${values[1]} (B), alternating call by call, ${ratios.length} pairs\n`,
  );
  print_table(
    ['value', 'median ms', 'p10 ms'],
    values.map((v, i) => [
      `${String.fromCharCode(65 + i)}: ${v}`,
      format_ms(quantile(samples[i], 0.5)),
      format_ms(quantile(samples[i], 0.1)),
    ]),
  );
  console.log(`\nmedian of the per-pair ratios A / B: ${quantile(ratios, 0.5).toFixed(3)} (above 1: B is faster)`);
}
