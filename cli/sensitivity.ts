/** `fxq sensitivity`: one-at-a-time or leave-one-out per-layer sensitivity of a model file, on worker threads. */
import { availableParallelism } from 'node:os';
import { symbolic_trace } from '../compiler/trace/symbolic_trace.js';
import { build_model, load_model_file } from '../tools/model_file.js';
import { progress_bar } from '../tools/progress.js';
import {
  format_sensitivity_table,
  leave_one_out,
  one_at_a_time,
  quantizable_layers,
} from '../tools/sensitivity/sensitivity.js';
import { parse_function_unit } from '../tools/sensitivity/units.js';
import { type CommonOptions, emit, int_option, note, task_spec } from './common.js';
import { UsageError } from './dump.js';

/** The sensitivity command; returns the exit code. */
export async function sensitivity_command(
  path: string,
  o: CommonOptions & { mode: 'one-at-a-time' | 'leave-one-out'; workers?: string; layers?: string; blocks?: boolean },
): Promise<number> {
  const spec = task_spec(path, o);
  const workers = o.workers === undefined ? availableParallelism() : int_option(o.workers, '--workers');
  // build once here: a broken model file fails before any worker starts, and --layers is checked
  const model = build_model(await load_model_file(path), false);
  symbolic_trace(model); // a model that cannot be traced fails here (exit 1), not in every worker
  const known = quantizable_layers(model, { include_blocks: true });
  const all_modules = new Set([...model.named_modules()].map(([n]) => n));
  const layers = o.layers
    ? o.layers.split(',').map((s) => s.trim())
    : quantizable_layers(model, { include_blocks: o.blocks });
  for (const l of layers)
    if ((!all_modules.has(l) || l === '') && !parse_function_unit(l))
      throw new UsageError(`--layers: '${l}' is not a module of ${path} (quantizable: ${known.join(', ')})`);
  note(`${o.mode}: ${layers.length} layers + fp32 + int8 on ${workers} worker thread(s)`);
  const bar = progress_bar(o.mode, layers.length + 2, { silent: o.json });
  const run = o.mode === 'one-at-a-time' ? one_at_a_time : leave_one_out;
  const r = await run(spec, { layers, workers, on_result: (_i, _r, done) => bar.update(done) });
  bar.stop();
  emit(
    o,
    { model: path, workers, qconfig: spec.qconfig, eval_images: spec.eval_images, ...r },
    `${format_sensitivity_table(r)}\n\n${r.seconds.toFixed(1)} s on ${workers} worker(s)`,
  );
  return 0;
}
