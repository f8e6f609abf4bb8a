/** `fxq bench`: median latency of a float model file or a save_quantized file per batch size and backend. */
import { performance } from 'node:perf_hooks';
import { no_grad } from '../runtime/autograd/grad_mode.js';
import type { Module } from '../runtime/nn/module.js';
import { batch_of, input_set } from '../tools/node/inputs.js';
import { progress_bar } from '../tools/progress.js';
import { use_backend } from '../tools/sensitivity/task.js';
import { type CommonOptions, emit, example_of, int_option, load_any, note, with_input_hint } from './common.js';
import { UsageError } from './dump.js';

/** One measured configuration. */
export interface BenchRow {
  backend: 'js' | 'wasm';
  batch: number;
  median_ms: number;
  p10_ms: number;
  runs: number;
}

function time_calls(model: Module, x: unknown[], runs: number): number[] {
  const out: number[] = [];
  no_grad(() => {
    model.call(...x); // warm-up: first-call costs (packing, JIT) are not latency
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      model.call(...x);
      out.push(performance.now() - t);
    }
  });
  return out.sort((a, b) => a - b);
}

/** The bench command; returns the exit code. */
export async function bench_command(
  path: string,
  o: CommonOptions & { batch: string; runs: string; backends: string },
): Promise<number> {
  const batches = o.batch.split(',').map((b) => int_option(b.trim(), '--batch'));
  const runs = int_option(o.runs, '--runs');
  const backends = o.backends.split(',').map((b) => b.trim());
  for (const b of backends)
    if (b !== 'js' && b !== 'wasm') throw new UsageError(`--backends: unknown backend '${b}' (js, wasm)`);
  const loaded = await load_any(path, o);
  // the first max(batch) evaluation rows (the example inputs / --input-shape rows repeat to fill a batch)
  const set = input_set(o, 'evaluation', Math.max(...batches), 0, example_of(loaded), () => {});
  note(`timing on ${set.source}`);
  const rows: BenchRow[] = [];
  const bar = progress_bar('benchmarking', backends.length * batches.length, { silent: o.json });
  for (const backend of backends as ('js' | 'wasm')[]) {
    use_backend(backend);
    for (const batch of batches) {
      const x = batch_of(set, batch);
      // quantized models run on the backend their weights were packed for: reload per backend
      const model = backend === o.backend ? loaded.model : (await load_any(path, { ...o, backend })).model;
      const t = with_input_hint(loaded, o, () => time_calls(model, x, runs));
      rows.push({ backend, batch, median_ms: t[Math.floor(t.length / 2)], p10_ms: t[Math.floor(t.length / 10)], runs });
      bar.update(rows.length);
    }
  }
  bar.stop();
  use_backend(o.backend);
  const text = [
    `${loaded.kind} ${path}: median ms per call (${runs} runs after a warm-up)`,
    '| backend | batch | median ms | p10 ms |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.backend} | ${r.batch} | ${r.median_ms.toFixed(3)} | ${r.p10_ms.toFixed(3)} |`),
  ].join('\n');
  emit(o, { model: path, kind: loaded.kind, source: set.source, rows }, text);
  return 0;
}
