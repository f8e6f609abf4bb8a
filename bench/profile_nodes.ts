/**
 * `npm run bench -- profile_nodes [--models fmnist_mobilenet,mobilenet_v2,fmnist_vit] [--batch N] [--reps 5] [--wall] [--onnx DIR]`
 * (fmnist_vit: fp32 / dynamic / static per op, bench/_profile_vit.ts)
 *
 * Per-node time of an int8 model on the wasm backend, grouped by op (module class or function), in three
 * configurations of the same converted model (one calibration):
 *   before — PyTorch's graph (every ReLU6 a node) with the int8 elementwise kernels (clamp, tables, mul, cat) taken
 *            from the js reference: how the model ran before they moved into wasm (qadd and the pools were wasm already);
 *   wasm   — the same graph, every kernel in wasm;
 *   folded — convert_fx(…, { fold_clamps: true }) on wasm: each ReLU6 folded into its conv's requantization.
 * Nodes run through an Interpreter that times each one in process CPU time (--wall: wall time; mean over --reps calls
 * after a warm-up); the last rows give the sum of the nodes and the compiled forward's median CPU and wall time. Outputs of the three are checked bit-identical.
 * Defaults: FmnistMobileNet at batch 32 (trained weights when examples/weights has them), MobileNetV2 at batch 8
 * (the reference's random weights when found next to --onnx, else fxq's random init).
 */
import { convert_fx, prepare_fx } from '../compiler/quantize_fx.js';
import { no_grad, quantization, type Tensor } from '../index.js';
import { js_backend } from '../runtime/backends/js/index.js';
import { set_backend } from '../runtime/backends/registry.js';
import type { Int8Kernels } from '../runtime/backends/types.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { cpu_ms, profile } from './_node_timing.js';
import { DEFAULT_ONNX_DIR } from './_ort.js';
import { profile_vit } from './_profile_vit.js';
import { subject } from './_subjects.js';
import { arg_value, format_ms, print_table, time_sync } from './_util.js';

/** ms of process CPU time (user + system) since `since` (process.cpuUsage's µs). */
const ELEMENTWISE = ['qclamp', 'qlut', 'qmul', 'qcat'] as const;

/** Runs fn with the wasm backend's elementwise kernels swapped for the js reference's (restored after). */
function with_js_elementwise<T>(wasm: Int8Kernels, fn: () => T): T {
  const k = wasm as unknown as Record<string, unknown>;
  const saved = ELEMENTWISE.map((name) => k[name]);
  for (const name of ELEMENTWISE) k[name] = js_backend.int8[name];
  try {
    return fn();
  } finally {
    ELEMENTWISE.forEach((name, i) => {
      k[name] = saved[i];
    });
  }
}

export async function run(args: string[]): Promise<void> {
  const models = (arg_value(args, 'models') ?? 'fmnist_mobilenet,mobilenet_v2').split(',');
  const reps = Number(arg_value(args, 'reps') ?? 5);
  const wall = args.includes('--wall');
  const onnx_dir = arg_value(args, 'onnx') ?? DEFAULT_ONNX_DIR;
  const wasm = load_wasm_backend();
  set_backend('wasm');
  for (const name of models) {
    const batch = Number(arg_value(args, 'batch') ?? (name === 'mobilenet_v2' ? 8 : 32));
    if (name === 'fmnist_vit') {
      profile_vit(batch, reps, wall);
      continue;
    }
    const s = subject(name, onnx_dir);
    const prepared = prepare_fx(s.model, { '': quantization.get_default_qconfig('qnnpack') }, [
      s.calib[0].narrow(0, 0, 1),
    ]);
    no_grad(() => {
      for (const c of s.calib) prepared.call(c);
    });
    const plain = convert_fx(prepared);
    const folded = convert_fx(prepared, { fold_clamps: true });
    const x = s.input(batch);
    const configs = [
      { label: 'before', gm: plain, js_elementwise: true },
      { label: 'wasm', gm: plain, js_elementwise: false },
      { label: 'folded', gm: folded, js_elementwise: false },
    ];
    const results = configs.map((c) => {
      const go = <T>(fn: () => T): T => (c.js_elementwise ? with_js_elementwise(wasm.int8, fn) : fn());
      const out = go(() => no_grad(() => (c.gm.call(x) as Tensor).data));
      const ops = go(() => profile(c.gm, x, reps, wall));
      const fwd = go(() => time_sync(() => no_grad(() => c.gm.call(x)), { warmup: 1, min_runs: reps, max_runs: reps }));
      // CPU time of the compiled forward: the median of `reps` calls
      const cpu = go(() => {
        no_grad(() => c.gm.call(x));
        const t = Array.from({ length: reps }, () => {
          const c0 = process.cpuUsage();
          no_grad(() => c.gm.call(x));
          return cpu_ms(c0);
        }).sort((a, b) => a - b);
        return t[t.length >> 1];
      });
      return { ...c, out, ops, forward_ms: fwd.median_ms, forward_cpu_ms: cpu };
    });
    const same = results.every(
      (r) => r.out.length === results[0].out.length && r.out.every((v, i) => v === results[0].out[i]),
    );
    const keys = [...new Set(results.flatMap((r) => [...r.ops.keys()]))]
      .filter((k) => !['placeholder', 'get_attr', 'output'].includes(k))
      .sort((a, b) => (results[0].ops.get(b) ?? 0) - (results[0].ops.get(a) ?? 0));
    const cell = (v: number | undefined) => (v === undefined ? '—' : format_ms(v));
    const body: (string | number)[][] = keys.map((k) => [k, ...results.map((r) => cell(r.ops.get(k)))]);
    const sum = (r: (typeof results)[number]) => [...r.ops.values()].reduce((a, b) => a + b, 0);
    body.push(['Σ nodes (interpreted)', ...results.map((r) => format_ms(sum(r)))]);
    body.push(['compiled forward, CPU (median)', ...results.map((r) => format_ms(r.forward_cpu_ms))]);
    body.push(['compiled forward, wall (median)', ...results.map((r) => format_ms(r.forward_ms))]);
    console.log(
      `\n${name}, batch ${batch}, wasm, ${wall ? 'wall' : 'CPU'} ms per call by op (mean of ${reps}); outputs bit-identical across the three: ${same}\n`,
    );
    print_table(['op', ...results.map((r) => r.label)], body);
  }
}
