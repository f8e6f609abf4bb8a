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
import { no_grad } from '../runtime/autograd/grad_mode.js';
import { cross_entropy } from '../runtime/nn/loss.js';
import type { Module } from '../runtime/nn/module.js';
import { SGD } from '../runtime/optim/sgd.js';
import {
  type BackendConfig,
  get_fxq_backend_config,
  get_qnnpack_backend_config,
} from '../runtime/quantized/op_catalogue/index.js';
import { Tensor } from '../runtime/tensor/tensor.js';
import { build_model, example_inputs_of, load_model_file } from '../tools/model_file.js';
import { batches, type InputSet, input_set } from '../tools/node/inputs.js';
import { progress_bar } from '../tools/progress.js';
import { type PtqMethods, ptq_float_model, ptq_prepared_steps } from '../tools/ptq/cli_methods.js';
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
  /** Calibration (and QAT fine-tuning) inputs, loaded only when the mode needs them. */
  calibration: () => InputSet;
  qat_epochs?: number;
  /** The model file's own calibrate(prepared), used instead of the calibration inputs. */
  calibrate?: (prepared: Module) => void;
  quiet?: boolean;
  /** tools/ptq methods: --cle, --bias-correction, --adaround (static mode). */
  ptq?: PtqMethods;
  /** --backend-config: the pattern config (default get_qnnpack_backend_config(), PyTorch 1.13 parity). */
  backend_config?: BackendConfig;
}

function calibrate_inputs(prepared: Module, set: InputSet, quiet: boolean): void {
  const bar = progress_bar('calibrating', set.n, { silent: quiet });
  let done = 0;
  no_grad(() => {
    for (const args of batches(set, 50)) {
      prepared.call(...args);
      done += (args[0] as Tensor).shape[0];
      bar.update(done);
    }
  });
  bar.stop();
}

function fine_tune(prepared: Module, o: QuantizeOptions): void {
  const set = o.calibration();
  const labels = set.labels;
  if (!labels)
    throw new UsageError(
      `--mode qat fine-tunes on labelled inputs and ${set.source} has no labels (see --data, --labels)`,
    );
  const opt = new SGD([...prepared.parameters()], { lr: 1e-4, momentum: 0.9 });
  const n = set.n;
  const epochs = o.qat_epochs ?? 1;
  const bar = progress_bar('QAT fine-tuning', epochs * Math.ceil(n / 50), { silent: o.quiet });
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    let s = 0;
    for (const args of batches(set, 50)) {
      const m = (args[0] as Tensor).shape[0];
      const target = new Tensor(Float64Array.from(labels.subarray(s, s + m)), [m], 'int64');
      opt.zero_grad();
      const loss = cross_entropy(prepared.call(...args) as Tensor, target);
      loss.backward();
      opt.step();
      bar.update(++step);
      s += m;
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
    const prepared = prepare_qat_fx(model.train(), { '': qconfig }, example_inputs, null, {
      warn: false,
      ...(o.backend_config ? { backend_config: o.backend_config } : {}),
    });
    fine_tune(prepared, o);
    prepared.eval();
    return convert_fx(prepared, { backend: o.backend });
  }
  const ptq = o.ptq ?? {};
  if (o.mode !== 'static' && (ptq.cle || ptq.adaround || ptq.bias_correction))
    throw new UsageError('--cle, --bias-correction and --adaround apply to --mode static only');
  const prepared = prepare_fx(ptq_float_model(model, ptq, note), { '': qconfig }, example_inputs, null, {
    warn: false,
    ...(o.backend_config ? { backend_config: o.backend_config } : {}),
  });
  if (o.mode === 'static') {
    if (ptq.adaround || ptq.bias_correction) ptq_prepared_with_bar(prepared, o, ptq);
    if (o.calibrate) o.calibrate(prepared);
    else calibrate_inputs(prepared, o.calibration(), o.quiet ?? false);
  }
  return convert_fx(prepared, { backend: o.backend });
}

function ptq_prepared_with_bar(prepared: GraphModule, o: QuantizeOptions, ptq: PtqMethods): void {
  const bars = new Map<string, ReturnType<typeof progress_bar>>();
  const progress = (label: string, done: number, total: number) => {
    if (!bars.has(label)) bars.set(label, progress_bar(label, total, { silent: o.quiet }));
    bars.get(label)?.update(done, total);
  };
  try {
    ptq_prepared_steps(prepared, o.calibration().inputs, ptq, progress, note);
  } finally {
    for (const b of bars.values()) b.stop();
  }
}

/** The calibration inputs the options choose (noting on stderr when they are the example inputs). */
export function calibration_of(o: CommonOptions, example: unknown[]): () => InputSet {
  return () => {
    const ex = example.every((t) => t instanceof Tensor) ? (example as Tensor[]) : undefined;
    const set = input_set(o, 'calibration', int_option(o.calibImages, '--calib-images'), 0, ex, note);
    if (set.source === 'the example inputs' || set.source.startsWith('random'))
      note(`calibrating on ${set.source} only: pass --data for representative inputs, or export calibrate(prepared)`);
    return set;
  };
}

/** fxq quantize's own flags (commander's camelCase). */
export interface QuantizeFlags {
  out?: string;
  mode: QuantMode;
  qatEpochs: string;
  cle?: boolean;
  biasCorrection?: boolean;
  /** --adaround (true) or --adaround=N iterations per layer. */
  adaround?: boolean | string;
  /** --backend-config qnnpack | fxq. */
  backendConfig?: string;
}

function backend_config_option(v: string | undefined): BackendConfig {
  if (v === undefined || v === 'qnnpack') return get_qnnpack_backend_config();
  if (v === 'fxq') return get_fxq_backend_config();
  throw new UsageError(`--backend-config: '${v}' is not a known config (qnnpack, fxq)`);
}

function adaround_option(v: boolean | string | undefined): boolean | number | undefined {
  if (typeof v !== 'string') return v;
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0)) throw new UsageError(`--adaround: '${v}' is not a positive iteration count`);
  return n;
}

/** The quantize command; returns the exit code. */
export async function quantize_command(path: string, o: CommonOptions & QuantizeFlags): Promise<number> {
  if (!o.out)
    throw new UsageError(
      'quantize: --out <file> is required (where save_quantized writes the model, e.g. out/model.safetensors)',
    );
  const t0 = performance.now();
  use_backend(o.backend);
  const file = await load_model_file(path);
  const model = build_model(file, o.weights ?? true);
  note(
    `quantizing ${model.constructor.name} (${o.mode}, qconfig ${o.qconfig}, backend config ${o.backendConfig ?? 'qnnpack'})`,
  );
  const example = example_inputs_of(file);
  const q = quantize_model(model, example, {
    mode: o.mode,
    qconfig: o.qconfig,
    backend: o.backend,
    calibration: calibration_of(o, example),
    qat_epochs: int_option(o.qatEpochs, '--qat-epochs'),
    calibrate: file.calibrate,
    quiet: o.json,
    ptq: { cle: o.cle, bias_correction: o.biasCorrection, adaround: adaround_option(o.adaround) },
    backend_config: backend_config_option(o.backendConfig),
  });
  save_quantized(q, o.out);
  const seconds = (performance.now() - t0) / 1000;
  const modules = [...q.named_modules()].filter(([p]) => p !== '').length;
  emit(
    o,
    {
      model: path,
      out: o.out,
      mode: o.mode,
      qconfig: o.qconfig,
      backend_config: o.backendConfig ?? 'qnnpack',
      nodes: q.graph.length,
      modules,
      seconds,
    },
    `wrote ${o.out} (${o.mode}, qconfig ${o.qconfig}, ${q.graph.length} nodes) in ${seconds.toFixed(1)} s`,
  );
  return 0;
}
