/**
 * TaskSpec → Task (Node: reads the model file, its weights and the Fashion-MNIST files): what each
 * sensitivity worker thread runs once before taking jobs.
 */
import { no_grad } from '../../../runtime/autograd/grad_mode.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { build_model, example_inputs_of, load_model_file } from '../../model_file.js';
import { batches, input_set, labels_of, top1 } from '../../node/inputs.js';
import { qconfig_by_name } from '../qconfigs.js';
import { type Task, type TaskSpec, use_backend } from '../task.js';
import { accuracy, DEFAULT_DATA_DIR, load_calibration, load_images, run_calibration } from './data.js';
import './workers.js'; // a TaskSpec user in Node gets run_jobs on worker threads

/** Builds the Task a spec describes (the model file's own calibrate/evaluate win over the defaults). */
export async function load_task(spec: TaskSpec): Promise<Task> {
  const backend = spec.backend ?? 'wasm';
  use_backend(backend);
  const file = await load_model_file(spec.model);
  const model = build_model(file, spec.weights ?? true);
  const dir = spec.data_dir ?? DEFAULT_DATA_DIR;
  let calibrate = file.calibrate;
  let evaluate = file.evaluate;
  if (spec.data || spec.input_shape) {
    // any model: the CLI's data files (or random inputs of a shape) instead of Fashion-MNIST
    const opts = { data: spec.data, labels: spec.labels, inputShape: spec.input_shape };
    const ex = example_inputs_of(file);
    const like = ex.every((t) => t instanceof Tensor) ? (ex as Tensor[]) : undefined;
    const quiet = () => {};
    if (!calibrate) {
      const calib = input_set(opts, 'calibration', spec.calib_images ?? 1000, 0, like, quiet);
      calibrate = (m) =>
        no_grad(() => {
          for (const args of batches(calib, 50)) m.call(...args);
        });
    }
    if (!evaluate) {
      const test = input_set(opts, 'evaluation', spec.eval_images ?? 2000, spec.eval_offset ?? 0, like, quiet);
      labels_of(test, 'sensitivity', ` or export evaluate(model) from ${spec.model}`);
      evaluate = (m) => top1(m, test, 'sensitivity');
    }
  }
  if (!calibrate) {
    const calib = load_calibration(dir, spec.calib_images ?? 1000);
    calibrate = (m) => run_calibration(m, calib.images);
  }
  if (!evaluate) {
    const test = load_images(dir, 'test', spec.eval_images ?? 2000, spec.eval_offset ?? 0);
    evaluate = (m) => accuracy(m, test);
  }
  const qconfig = qconfig_by_name(spec.qconfig ?? 'qnnpack');
  return { model, example_inputs: example_inputs_of(file), qconfig, backend, calibrate, evaluate };
}
