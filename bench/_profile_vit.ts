/**
 * `npm run bench -- profile_nodes --models fmnist_vit [--batch 32] [--reps 5] [--wall]`: FmnistViT's per-op time on
 * wasm in its three forms — fp32 (the traced float model), dynamic int8 (FX, default_dynamic_qconfig for
 * nn.Linear), static int8 (FX PTQ, qnnpack qconfig, the parity graph) and static int8 with the opt-in
 * get_fxq_backend_config() (int8 attention) — through an Interpreter timing each node
 * (process CPU time unless --wall), grouped by module class or function; then the compiled forwards' medians.
 */
import { performance } from 'node:perf_hooks';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { Interpreter } from '../compiler/ir/interpreter.js';
import type { Node } from '../compiler/ir/node.js';
import { convert_fx, prepare_fx } from '../compiler/quantize_fx.js';
import { image_batch, load_calibration_images, load_test_images } from '../examples/lib/fmnist_data.js';
import { FMNIST_VIT } from '../examples/models/index.js';
import { fx, nn, no_grad, quantization, type Tensor } from '../index.js';
import { get_fxq_backend_config } from '../runtime/quantized/op_catalogue/index.js';
import { format_ms, print_table, time_sync } from './_util.js';

class TimingInterpreter extends Interpreter {
  times = new Map<Node, number>();
  wall = false;
  run_node(node: Node): unknown {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const v = super.run_node(node);
    const c = process.cpuUsage(c0);
    const ms = this.wall ? performance.now() - t0 : (c.user + c.system) / 1000;
    this.times.set(node, (this.times.get(node) ?? 0) + ms);
    return v;
  }
}

function op_of(gm: GraphModule, n: Node): string {
  if (n.op === 'call_module') return gm.get_submodule(n.target).constructor.name;
  if (n.op === 'call_function' || n.op === 'call_method') return String(n.target);
  return n.op;
}

function profile(gm: GraphModule, x: Tensor, reps: number, wall: boolean): Map<string, number> {
  const it = new TimingInterpreter(gm);
  it.wall = wall;
  no_grad(() => it.run(x));
  it.times.clear();
  for (let r = 0; r < reps; r++) no_grad(() => it.run(x));
  const by_op = new Map<string, number>();
  for (const [n, ms] of it.times) by_op.set(op_of(gm, n), (by_op.get(op_of(gm, n)) ?? 0) + ms / reps);
  return by_op;
}

/** Prints FmnistViT's per-op table (wasm backend already selected by the caller). */
export function profile_vit(batch: number, reps: number, wall: boolean): void {
  const fp32 = (FMNIST_VIT.pretrained as () => nn.Module)().eval();
  const x = image_batch(load_test_images({ limit: batch }).images, 0, batch);
  const example = [x.narrow(0, 0, 1)];
  const dynamic = convert_fx(
    prepare_fx(
      fp32,
      new quantization.QConfigMapping().set_object_type(nn.Linear, quantization.default_dynamic_qconfig),
      example,
    ),
  );
  const prepared = prepare_fx(fp32, { '': quantization.get_default_qconfig('qnnpack') }, example);
  const calib = load_calibration_images({ limit: 1000 });
  no_grad(() => {
    for (let s = 0; s < 1000; s += 50) prepared.call(image_batch(calib.images, s, 50));
  });
  const opt = prepare_fx(fp32, { '': quantization.get_default_qconfig('qnnpack') }, example, null, {
    backend_config: get_fxq_backend_config(),
    warn: false,
  });
  no_grad(() => {
    for (let s = 0; s < 1000; s += 50) opt.call(image_batch(calib.images, s, 50));
  });
  const configs: [string, GraphModule][] = [
    ['fp32', fx.symbolic_trace(fp32)],
    ['dynamic int8', dynamic],
    ['static int8 (parity)', convert_fx(prepared)],
    ['static int8 (opt-in)', convert_fx(opt, { warn: false })],
  ];
  const results = configs.map(([label, gm]) => {
    const ops = profile(gm, x, reps, wall);
    const fwd = time_sync(() => no_grad(() => gm.call(x)), { warmup: 1, min_runs: reps, max_runs: reps });
    return { label, ops, forward_ms: fwd.median_ms };
  });
  const keys = [...new Set(results.flatMap((r) => [...r.ops.keys()]))]
    .filter((k) => !['placeholder', 'get_attr', 'output'].includes(k))
    .sort(
      (a, b) => Math.max(...results.map((r) => r.ops.get(b) ?? 0)) - Math.max(...results.map((r) => r.ops.get(a) ?? 0)),
    );
  const cell = (v: number | undefined) => (v === undefined ? '—' : format_ms(v));
  const body: (string | number)[][] = keys.map((k) => [k, ...results.map((r) => cell(r.ops.get(k)))]);
  body.push([
    'Σ nodes (interpreted)',
    ...results.map((r) => format_ms([...r.ops.values()].reduce((a, b) => a + b, 0))),
  ]);
  body.push(['compiled forward, wall (median)', ...results.map((r) => format_ms(r.forward_ms))]);
  console.log(`\nfmnist_vit, batch ${batch}, wasm, ${wall ? 'wall' : 'CPU'} ms per call by op (mean of ${reps})\n`);
  print_table(['op', ...results.map((r) => r.label)], body);
}
