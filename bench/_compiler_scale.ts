/**
 * The 100,000-node row of `npm run bench -- compiler`: a SyntheticChain traced, linted, round-tripped
 * through JSON, prepared, calibrated, converted, saved and loaded, one time per stage (one run: the
 * stages take seconds each, medians would take many minutes on a shared 2-core machine).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fx, load_quantized, quantization, quantize_fx, randn, save_quantized, type Tensor } from '../index.js';

function timed<T>(rows: [string, number][], stage: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  rows.push([stage, performance.now() - t0]);
  console.log(`  ${stage.padEnd(22)} ${(performance.now() - t0).toFixed(0).padStart(8)} ms`);
  return out;
}

/** Runs every stage on a `nodes`-node chain; throws if the loaded model's output differs from the converted one's. */
export function run_scale(nodes: number): [string, number][] {
  const rows: [string, number][] = [];
  const dir = mkdtempSync(join(tmpdir(), 'fxq-bench-scale-'));
  try {
    const model = new fx.SyntheticChain(nodes).eval();
    const x = randn([2, 8]);
    const gm = timed(rows, 'trace', () => fx.symbolic_trace(model));
    timed(rows, 'lint', () => gm.graph.lint(gm));
    const text = timed(rows, 'to_json (+stringify)', () => JSON.stringify(gm.to_json()));
    timed(rows, 'from_json (+parse)', () => fx.GraphModule.from_json(JSON.parse(text), model));
    const prepared = timed(rows, 'prepare_fx', () =>
      quantize_fx.prepare_fx(model, { '': quantization.default_qconfig }, [x], null, { warn: false }),
    );
    timed(rows, 'calibrate (1 batch)', () => prepared.forward(x));
    const q = timed(rows, 'convert_fx', () => quantize_fx.convert_fx(prepared, { warn: false }));
    const path = join(dir, 'chain.safetensors');
    timed(rows, 'save_quantized', () => save_quantized(q, path));
    const back = timed(rows, 'load_quantized', () => load_quantized(path));
    const a = q.forward(x) as Tensor;
    const b = timed(rows, 'forward (loaded)', () => back.forward(x) as Tensor);
    if (!a.data.every((v, i) => Object.is(v, b.data[i])))
      throw new Error('bench _compiler_scale: the loaded model differs');
    console.log(
      `  ${nodes} traced nodes, ${prepared.graph.length} prepared, ${q.graph.length} converted; file ${(statSync(path).size / 1e6).toFixed(1)} MB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
