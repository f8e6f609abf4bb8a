/**
 * `npm run bench -- threads_profile [--models resnet18] [--batch 8] [--threads 1,2] [--reps 5] [--kind int8,fp32] [--nodes] [--onnx DIR]`
 *
 * Where a second thread helps and where it does not: the wall time of every node of a model on the wasm backend,
 * grouped by op, at each thread count (alternating counts rep by rep, so a change of the machine's load hits them
 * alike), with the speed-up of each op group and its share of the one-thread time. The last rows give the sum of
 * the nodes and the compiled forward's median wall time per count. int8 models are converted as the model bench
 * converts them (qnnpack qconfig, fold_clamps).
 */
import { performance } from 'node:perf_hooks';
import type { Node } from '../compiler/ir/node.js';
import { symbolic_trace } from '../compiler/trace/symbolic_trace.js';
import { no_grad } from '../index.js';
import { set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { set_num_threads, threads_ready } from '../runtime/threads/num_threads.js';
import { op_of, TimingInterpreter } from './_node_timing.js';
import { DEFAULT_ONNX_DIR } from './_ort.js';
import { int8_of, subject } from './_subjects.js';
import { arg_value, format_ms, print_table, quantile } from './_util.js';

export async function run(args: string[]): Promise<void> {
  const models = (arg_value(args, 'models') ?? 'resnet18').split(',');
  const reps = Number(arg_value(args, 'reps') ?? 5);
  const counts = (arg_value(args, 'threads') ?? '1,2').split(',').map(Number);
  const kinds = (arg_value(args, 'kind') ?? 'int8,fp32').split(',');
  const per_node = args.includes('--nodes');
  const onnx_dir = arg_value(args, 'onnx') ?? DEFAULT_ONNX_DIR;
  load_wasm_backend();
  set_backend('wasm');
  for (const name of models) {
    const batch = Number(arg_value(args, 'batch') ?? (name === 'resnet18' || name === 'mobilenet_v2' ? 8 : 32));
    const s = subject(name, onnx_dir);
    const x = s.input(batch);
    for (const kind of kinds) {
      let gm = symbolic_trace(s.model);
      if (kind === 'int8') gm = int8_of(s);
      const traced = gm;
      const its = new Map(counts.map((t) => [t, new TimingInterpreter(traced)]));
      const fwd = new Map<number, number[]>(counts.map((t) => [t, []]));
      for (const it of its.values()) it.wall = true;
      for (let r = -1; r < reps; r++) {
        for (const t of counts) {
          set_num_threads(t);
          await threads_ready();
          const it = its.get(t) as TimingInterpreter;
          if (r < 0) {
            no_grad(() => it.run(x));
            no_grad(() => traced.call(x));
            it.times.clear();
            continue;
          }
          no_grad(() => it.run(x));
          const t0 = performance.now();
          no_grad(() => traced.call(x));
          (fwd.get(t) as number[]).push(performance.now() - t0);
        }
      }
      set_num_threads(1);
      // --nodes: one row per node (its name and op) instead of per op
      const key = (n: Node) => (per_node ? `${n.name} (${op_of(traced, n)})` : op_of(traced, n));
      const by_op = new Map<number, Map<string, number>>();
      for (const [t, it] of its) {
        const m = new Map<string, number>();
        for (const [n, ms] of it.times) m.set(key(n), (m.get(key(n)) ?? 0) + ms / reps);
        by_op.set(t, m);
      }
      const one = by_op.get(counts[0]) as Map<string, number>;
      const total1 = [...one.values()].reduce((a, b) => a + b, 0);
      const keys = [...one.keys()]
        .filter((k) => !['placeholder', 'get_attr', 'output'].some((o) => k === o || k.endsWith(`(${o})`)))
        .sort((a, b) => (one.get(b) ?? 0) - (one.get(a) ?? 0));
      const body: (string | number)[][] = keys.map((k) => {
        const v1 = one.get(k) ?? 0;
        const rest = counts.slice(1).flatMap((t) => {
          const v = by_op.get(t)?.get(k) ?? 0;
          return [format_ms(v), v > 0 ? `${(v1 / v).toFixed(2)}×` : '—'];
        });
        return [k, format_ms(v1), `${((100 * v1) / total1).toFixed(1)}%`, ...rest];
      });
      const sums = counts.map((t) => [...(by_op.get(t) as Map<string, number>).values()].reduce((a, b) => a + b, 0));
      body.push([
        'Σ nodes (interpreted)',
        format_ms(sums[0]),
        '100%',
        ...sums.slice(1).flatMap((v) => [format_ms(v), `${(sums[0] / v).toFixed(2)}×`]),
      ]);
      const med = counts.map((t) =>
        quantile(
          (fwd.get(t) as number[]).sort((a, b) => a - b),
          0.5,
        ),
      );
      body.push([
        'compiled forward (median)',
        format_ms(med[0]),
        '',
        ...med.slice(1).flatMap((v) => [format_ms(v), `${(med[0] / v).toFixed(2)}×`]),
      ]);
      console.log(`\n${name} ${kind}, batch ${batch}, wasm, wall ms per call by op (mean of ${reps})\n`);
      print_table(
        ['op', `${counts[0]} thr`, 'share', ...counts.slice(1).flatMap((t) => [`${t} thr`, 'speed-up'])],
        body,
      );
    }
  }
}
