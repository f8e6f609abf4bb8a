/**
 * `fxq quantize`: a model file → an int8 GraphModule saved with save_quantized. Modes:
 *   static  prepare_fx → calibrate (first N training images) → convert_fx
 *   dynamic prepare_fx with a dynamic qconfig (int8 weights, activations quantized per call) → convert_fx
 *   qat     prepare_qat_fx (conv-bn / linear-bn fused with BN live) → fine-tune (SGD lr 1e-4, momentum 0.9, cross-entropy) on the calibration
 *           images for --qat-epochs → eval → convert_fx
 */
import { performance } from 'node:perf_hooks';
import { save_quantized } from '../compiler/artifact/node/index.js';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { convert_fx } from '../compiler/quantize_fx/convert.js';
import { prepare_fx, prepare_qat_fx } from '../compiler/quantize_fx/prepare.js';
import { cross_entropy } from '../runtime/nn/loss.js';
import type { Module } from '../runtime/nn/module.js';
import { SGD } from '../runtime/optim/sgd.js';
import { Tensor } from '../runtime/tensor/tensor.js';
import { build_model, example_inputs_of, load_model_file } from '../tools/model_file.js';
import { progress_bar } from '../tools/progress.js';
import { DEFAULT_DATA_DIR, load_calibration, rows } from '../tools/sensitivity/node/data.js';
import { qconfig_by_name } from '../tools/sensitivity/qconfigs.js';
import { use_backend } from '../tools/sensitivity/task.js';
import { type CommonOptions, emit, int_option, note } from './common.js';
import { UsageError } from './dump.js';

/** The quantization modes. */
export const QUANT_MODES = ['static', 'dynamic', 'qat'] as const;
export type QuantMode = (typeof QUANT_MODES)[number];

/** Options of quantize_model. */
export interface QuantizeOptions {
  mode: QuantMode;
  qconfig: string;
  backend: 'js' | 'wasm';
  data_dir?: string;
  calib_images: number;
  qat_epochs?: number;
  /** The model file's own calibrate(prepared), used instead of the Fashion-MNIST images. */
  calibrate?: (prepared: Module) => void;
  quiet?: boolean;
}

function calibrate_images(prepared: Module, images: Tensor, quiet: boolean): void {
  const n = images.shape[0];
  const bar = progress_bar('calibrating', n, { silent: quiet });
  for (let s = 0; s < n; s += 50) {
    prepared.call(rows(images, s, Math.min(50, n - s)));
    bar.update(Math.min(n, s + 50));
  }
  bar.stop();
}

function fine_tune(prepared: Module, o: QuantizeOptions): void {
  const set = load_calibration(o.data_dir ?? DEFAULT_DATA_DIR, o.calib_images);
  const opt = new SGD([...prepared.parameters()], { lr: 1e-4, momentum: 0.9 });
  const n = set.labels.length;
  const epochs = o.qat_epochs ?? 1;
  const bar = progress_bar('QAT fine-tuning', epochs * Math.ceil(n / 50), { silent: o.quiet });
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    for (let s = 0; s < n; s += 50) {
      const m = Math.min(50, n - s);
      const target = new Tensor(Float64Array.from(set.labels.subarray(s, s + m)), [m], 'int64');
      opt.zero_grad();
      const loss = cross_entropy(prepared.call(rows(set.images, s, m)) as Tensor, target);
      loss.backward();
      opt.step();
      bar.update(++step);
    }
  }
  bar.stop();
}

/** Quantizes `model` (eval mode, not modified) as `o.mode` asks; returns the converted GraphModule. */
export function quantize_model(model: Module, example_inputs: unknown[], o: QuantizeOptions): GraphModule {
  const qconfig = qconfig_by_name(
    o.mode === 'dynamic' && o.qconfig === 'qnnpack'
      ? 'dynamic'
      : o.mode === 'qat' && o.qconfig === 'qnnpack'
        ? 'qat'
        : o.qconfig,
  );
  if (o.mode === 'qat') {
    // as torch's prepare_qat_fx: conv-bn / linear-bn fuse with BatchNorm live (nn.intrinsic.qat ConvBn2d,
    // LinearBn1d simulate its folding while training); convert folds it into the int8 weights
    const prepared = prepare_qat_fx(model.train(), { '': qconfig }, example_inputs, null, { warn: false });
    fine_tune(prepared, o);
    prepared.eval();
    return convert_fx(prepared, { backend: o.backend });
  }
  const prepared = prepare_fx(model, { '': qconfig }, example_inputs, null, { warn: false });
  if (o.mode === 'static') {
    if (o.calibrate) o.calibrate(prepared);
    else
      calibrate_images(
        prepared,
        load_calibration(o.data_dir ?? DEFAULT_DATA_DIR, o.calib_images).images,
        o.quiet ?? false,
      );
  }
  return convert_fx(prepared, { backend: o.backend });
}

/** The quantize command; returns the exit code. */
export async function quantize_command(
  path: string,
  o: CommonOptions & { out?: string; mode: QuantMode; qatEpochs: string },
): Promise<number> {
  if (!o.out)
    throw new UsageError(
      'quantize: --out <file> is required (where save_quantized writes the model, e.g. out/model.safetensors)',
    );
  const t0 = performance.now();
  use_backend(o.backend);
  const file = await load_model_file(path);
  const model = build_model(file, o.weights ?? true);
  note(`quantizing ${model.constructor.name} (${o.mode}, qconfig ${o.qconfig})`);
  const q = quantize_model(model, example_inputs_of(file), {
    mode: o.mode,
    qconfig: o.qconfig,
    backend: o.backend,
    data_dir: o.data,
    calib_images: int_option(o.calibImages, '--calib-images'),
    qat_epochs: int_option(o.qatEpochs, '--qat-epochs'),
    calibrate: file.calibrate,
    quiet: o.json,
  });
  save_quantized(q, o.out);
  const seconds = (performance.now() - t0) / 1000;
  const modules = [...q.named_modules()].filter(([p]) => p !== '').length;
  emit(
    o,
    { model: path, out: o.out, mode: o.mode, qconfig: o.qconfig, nodes: q.graph.length, modules, seconds },
    `wrote ${o.out} (${o.mode}, qconfig ${o.qconfig}, ${q.graph.length} nodes) in ${seconds.toFixed(1)} s`,
  );
  return 0;
}
