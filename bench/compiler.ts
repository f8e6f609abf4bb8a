/**
 * `npm run bench -- compiler [--repeat N]`: trace, codegen (emit + compile to a callable) and
 * TypeScript source rendering (ts-morph, gm.code) times for FmnistResNet and a 1,000-node model, then
 * prepare_fx and convert_fx of the same models (calibration pass in between, not timed); then a
 * 100,000-node chain through every stage once (bench/_compiler_scale.ts; `--scale N`, 0 to skip).
 * Medians over N runs after one warm-up; ts-morph's one-time import is reported separately.
 */
import { createRequire } from 'node:module';
import { compile_forward } from '../compiler/codegen/compile.js';
import { emit_forward } from '../compiler/codegen/emit.js';
import create_resnet from '../examples/models/fmnist_resnet.js';
import { fx, type nn, quantization, quantize_fx, randn } from '../index.js';
import { run_scale } from './_compiler_scale.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(name: string, create: () => nn.Module, repeat: number): string {
  const trace: number[] = [];
  const emit: number[] = [];
  const compile: number[] = [];
  const source: number[] = [];
  let nodes = 0;
  for (let i = 0; i <= repeat; i++) {
    const model = create();
    const t0 = performance.now();
    const graph = new fx.Tracer().trace(model);
    const t1 = performance.now();
    const emitted = emit_forward(graph.nodes);
    const t2 = performance.now();
    compile_forward(emitted);
    const t3 = performance.now();
    const gm = new fx.GraphModule(model, graph, name);
    const t4 = performance.now();
    void gm.code;
    const t5 = performance.now();
    nodes = graph.length;
    if (i === 0) continue; // warm-up
    trace.push(t1 - t0);
    emit.push(t2 - t1);
    compile.push(t3 - t2);
    source.push(t5 - t4);
  }
  const f = (x: number) => `${x.toFixed(2)} ms`.padStart(10);
  const total = median(trace) + median(emit) + median(compile);
  return `${name.padEnd(16)} ${String(nodes).padStart(5)} ${f(median(trace))} ${f(median(emit))} ${f(median(compile))} ${f(total)} ${f(median(source))}`;
}

/** prepare_fx / convert_fx medians (ms) of `create()` with the default MinMax qconfig, one calibration pass. */
function measure_quantize(name: string, create: () => nn.Module, input_shape: number[], repeat: number): string {
  const prepare: number[] = [];
  const convert: number[] = [];
  let nodes = 0;
  for (let i = 0; i <= repeat; i++) {
    const model = create().eval();
    const x = randn(input_shape);
    const t0 = performance.now();
    const prepared = quantize_fx.prepare_fx(model, { '': quantization.default_qconfig }, [x], null, { warn: false });
    const t1 = performance.now();
    prepared.forward(x);
    const t2 = performance.now();
    const q = quantize_fx.convert_fx(prepared, { warn: false });
    const t3 = performance.now();
    nodes = prepared.graph.length;
    void q;
    if (i === 0) continue;
    prepare.push(t1 - t0);
    convert.push(t3 - t2);
  }
  const f = (x: number) => `${x.toFixed(1)} ms`.padStart(10);
  return `${name.padEnd(16)} ${String(nodes).padStart(5)} ${f(median(prepare))} ${f(median(convert))} ${f(median(prepare) + median(convert))}`;
}

/** Runs the suite; prints one row per model. */
export async function run(args: string[]): Promise<void> {
  const ri = args.indexOf('--repeat');
  const repeat = ri >= 0 ? Number(args[ri + 1]) : 5;
  const t0 = performance.now();
  createRequire(import.meta.url)('ts-morph');
  const import_ms = performance.now() - t0;
  console.log(
    `compiler bench: median of ${repeat} runs after a warm-up (ts-morph import, once: ${import_ms.toFixed(0)} ms)`,
  );
  console.log(`${'model'.padEnd(16)} nodes      trace       emit    compile  trace+cg  ts source`);
  console.log(measure('FmnistResNet', create_resnet, repeat));
  console.log(measure('chain-1000', () => new fx.SyntheticChain(1000), repeat));
  console.log(`\n${'model'.padEnd(16)} nodes  prepare_fx  convert_fx     total   (observed graph's nodes; budget 2 s)`);
  console.log(measure_quantize('FmnistResNet', create_resnet, [2, 1, 28, 28], repeat));
  console.log(measure_quantize('chain-1000', () => new fx.SyntheticChain(1000), [2, 8], repeat));
  // --scale N changes the size; --scale 0 skips it
  const si = args.indexOf('--scale');
  const scale = si >= 0 ? Number(args[si + 1]) : 100_000;
  if (scale > 0) {
    console.log(`\nchain-${scale}: one run per stage`);
    run_scale(scale);
  }
}
