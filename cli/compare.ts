/**
 * `fxq compare`: the numeric suite on a model file — per-layer activation SQNR / L2 error / cosine and
 * weight SQNR of its int8 version (a save_quantized directory via --quantized, else quantized here).
 */
import { load_quantized } from '../compiler/artifact/node/index.js';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { build_model, example_inputs_of, load_model_file } from '../tools/model_file.js';
import { compare_layers, format_layer_table } from '../tools/numeric_suite/layer_report.js';
import { progress_bar } from '../tools/progress.js';
import { DEFAULT_DATA_DIR, load_images, rows } from '../tools/sensitivity/node/data.js';
import { use_backend } from '../tools/sensitivity/task.js';
import { type CommonOptions, emit, int_option, is_quantized_dir, note } from './common.js';
import { UsageError } from './dump.js';
import { quantize_model } from './quantize.js';

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
      data_dir: o.data,
      calib_images: int_option(o.calibImages, '--calib-images'),
      calibrate: file.calibrate,
      quiet: o.json,
    });
  }
  return { file, model, q };
}

/** The compare command; returns the exit code. */
export async function compare_command(path: string, o: CommonOptions & { quantized?: string }): Promise<number> {
  const { model, q } = await float_and_quantized(path, o);
  const n = int_option(o.evalImages, '--eval-images');
  const set = load_images(o.data ?? DEFAULT_DATA_DIR, 'test', n, int_option(o.evalOffset, '--eval-offset', 0));
  const nb = Math.ceil(n / 250);
  const bar = progress_bar('comparing layers', nb, { silent: o.json });
  const batches = function* () {
    for (let s = 0; s < n; s += 250) yield [rows(set.images, s, Math.min(250, n - s))];
  };
  const layers = compare_layers(model, q, batches(), { on_batch: (d) => bar.update(d) });
  bar.stop();
  emit(
    o,
    { model: path, images: n, source: set.source, layers },
    `${format_layer_table(layers)}\n\nover ${set.source}`,
  );
  return 0;
}
