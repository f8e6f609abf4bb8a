/**
 * One sensitivity evaluation = prepare_fx with a per-layer qconfig_dict, calibrate, convert_fx, evaluate.
 * A Task holds the model and the user's calibrate/evaluate functions; a TaskSpec is the serialisable
 * recipe (model file path, weights, data, qconfig name) a worker thread rebuilds the same Task from
 * (Node only: node/task_spec.ts). Browser-safe: a Task runs in-process anywhere.
 */
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { set_backend } from '../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../runtime/backends/wasm/index.js';
import type { Module } from '../../runtime/nn/module.js';
import type { QConfig } from '../../runtime/quant/qconfig.js';
import type { QConfigDict } from '../../runtime/quant/qconfig_mapping.js';
import { unit_entries } from './units.js';

/** What an evaluation needs, in memory. */
export interface Task {
  /** The float model, eval mode, trained weights loaded. prepare_fx copies it; it is never modified. */
  model: Module;
  example_inputs: unknown[];
  /** The qconfig a quantized layer gets. */
  qconfig: QConfig;
  /** Kernel backend the converted models run on (convert_fx prepacks for it). */
  backend?: 'js' | 'wasm';
  /** Runs calibration data through the observed model. */
  calibrate: (prepared: Module) => void;
  /** The user's metric: accuracy in [0, 1] (higher is better). */
  evaluate: (model: Module) => number;
}

/** A serialisable Task recipe (worker threads rebuild the Task from it). */
export interface TaskSpec {
  /** Model file path (tools/model_file.ts). */
  model: string;
  /** load_weights argument: a path, true (the file's default), false (none). Default true. */
  weights?: string | boolean;
  /** qconfig name (tools/sensitivity/qconfigs.ts); default 'qnnpack'. */
  qconfig?: string;
  /** Fashion-MNIST directory for the default calibrate/evaluate; default examples/data/fashion-mnist. */
  data_dir?: string;
  /** Or a data file (IDX, .npy, .safetensors; tools/node/inputs.ts) with its labels file, or random inputs of a shape. */
  data?: string;
  labels?: string;
  input_shape?: string;
  /** Calibration images (first N training images); default 1000. */
  calib_images?: number;
  /** Evaluation images (test rows [eval_offset, eval_offset + N)); default 2000. */
  eval_images?: number;
  eval_offset?: number;
  /** Kernel backend: 'wasm' (default: SIMD, ~10x faster int8 here) or 'js' (the reference). */
  backend?: 'js' | 'wasm';
}

/** Loads (if needed: synchronously, Node; in browsers `await init_wasm()` first) and selects a kernel backend. */
export function use_backend(backend: 'js' | 'wasm'): void {
  if (backend === 'wasm') load_wasm_backend();
  set_backend(backend);
}

/**
 * Which layers are quantized in one evaluation: none (`fp32`), all (`int8`), only the listed ones
 * (`only`: one-at-a-time) or all but the listed ones (`all_but`: leave-one-out, mixed precision).
 */
export type Job =
  | { kind: 'fp32' }
  | { kind: 'int8' }
  | { kind: 'only'; layers: string[] }
  | { kind: 'all_but'; layers: string[] };

/**
 * The qconfig_dict of a job (PyTorch's form: `{'': qc, module_name: [[name, qc | null]]}`); a
 * `scope:fn:index` unit (units.ts) becomes a module_name_object_type_order entry.
 */
export function job_qconfig_dict(job: Job, qconfig: QConfig): QConfigDict {
  if (job.kind === 'fp32') return { '': null };
  if (job.kind === 'int8') return { '': qconfig };
  const only = job.kind === 'only';
  const { module_name, module_name_object_type_order } = unit_entries(job.layers, only ? qconfig : null);
  return {
    '': only ? null : qconfig,
    module_name,
    ...(module_name_object_type_order.length ? { module_name_object_type_order } : {}),
  };
}

/** A job's label in tables: the layer names joined, or fp32 / int8. */
export function job_label(job: Job): string {
  return job.kind === 'fp32' || job.kind === 'int8' ? job.kind : job.layers.join(' + ');
}

/** Result of one evaluation. */
export interface JobResult {
  accuracy: number;
  seconds: number;
}

/** prepare_fx → calibrate → convert_fx → evaluate for one job (fp32: evaluate the float model). */
export function run_job(task: Task, job: Job): JobResult {
  const t0 = performance.now();
  let model = task.model;
  if (job.kind !== 'fp32') {
    const prepared = prepare_fx(task.model, job_qconfig_dict(job, task.qconfig), task.example_inputs, null, {
      warn: false,
    });
    task.calibrate(prepared);
    model = convert_fx(prepared, task.backend ? { backend: task.backend } : {});
  }
  const acc = task.evaluate(model);
  if (!(typeof acc === 'number' && acc >= 0 && acc <= 1))
    throw new Error(
      `sensitivity: the evaluation function returned ${acc} for ${job_label(job)}; expected an accuracy in [0, 1]`,
    );
  return { accuracy: acc, seconds: (performance.now() - t0) / 1000 };
}
