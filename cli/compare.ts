/**
 * `fxq compare`: the numeric suite on a model file — per-layer activation SQNR / L2 error / cosine and
 * weight SQNR of its int8 version (a save_quantized file via --quantized, else quantized here).
 */
import { load_quantized } from '../compiler/artifact/node/index.js';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { Tensor } from '../runtime/tensor/tensor.js';
import { build_model, example_inputs_of, load_model_file } from '../tools/model_file.js';
import { batches, input_set } from '../tools/node/inputs.js';
import { compare_layers, format_layer_table } from '../tools/numeric_suite/layer_report.js';
import { progress_bar } from '../tools/progress.js';
import { use_backend } from '../tools/sensitivity/task.js';
import { type CommonOptions, emit, int_option, is_quantized_dir, note } from './common.js';
import { UsageError } from './dump.js';
import { calibration_of, quantize_model } from './quantize.js';

/** The float model of a file and its int8 GraphModule (loaded or quantized now). */
export async function float_and_quantized(path: string, o: CommonOptions & { quantized?: string }) {
  use_backend(o.backend);
  const file = await load_model_file(path);
  const model = build_model(file, o.weights ?? true);
  let q: GraphModule;
  if (o.quantized) {
    if (!is_quantized_dir(o.quantized))
      throw new UsageError(
        `--quantized ${o.quantized}: not a save_quantized file (*.safetensors) or directory (with manifest.json)`,
      );
    q = load_quantized(o.quantized);
  } else {
    note(`quantizing ${model.constructor.name} (static, qconfig ${o.qconfig})`);
    q = quantize_model(model, example_inputs_of(file), {
      mode: 'static',
      qconfig: o.qconfig,
      backend: o.backend,
      calibration: calibration_of(o, example_inputs_of(file)),
      calibrate: file.calibrate,
      quiet: o.json,
    });
  }
  return { file, model, q };
}

/** The compare command; returns the exit code. */
export async function compare_command(path: string, o: CommonOptions & { quantized?: string }): Promise<number> {
  const { file, model, q } = await float_and_quantized(path, o);
  const n = int_option(o.evalImages, '--eval-images');
  const ex = example_inputs_of(file);
  const like = ex.every((t) => t instanceof Tensor) ? (ex as Tensor[]) : undefined;
  const set = input_set(o, 'evaluation', n, int_option(o.evalOffset, '--eval-offset', 0), like, note);
  const bar = progress_bar('comparing layers', Math.ceil(set.n / 250), { silent: o.json });
  const layers = compare_layers(model, q, batches(set, 250), { on_batch: (d) => bar.update(d) });
  bar.stop();
  emit(
    o,
    { model: path, images: set.n, source: set.source, layers },
    `${format_layer_table(layers)}\n\nover ${set.source}`,
  );
  return 0;
}
