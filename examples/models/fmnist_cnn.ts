/**
 * FmnistCNN, as the PyTorch reference (docs/reference/models.py) defines it (attribute names = PyTorch state_dict keys):
 * conv1 → bn1 → relu1 → pool1 → conv2 → bn2 → relu2 → pool2 → flatten(1) → fc1 → relu3 → fc2.
 */
import { Generator, randn, type Tensor } from '../../index.js';
import { load_state_from_file, weights_path } from './common.js';
import { FmnistCNN } from './fmnist_cnn_net.js';

export { FmnistCNN };

/** Model name: the weights file and ONNX file stem. */
export const name = 'fmnist_cnn';

/** A fresh, randomly initialised FmnistCNN. */
export default function create(): FmnistCNN {
  return new FmnistCNN();
}

/** One normalised-image-shaped input [1, 1, 28, 28] (seeded), for tracing and prepare_fx. */
export function example_inputs(): Tensor[] {
  return [randn([1, 1, 28, 28], { generator: new Generator(0) })];
}

/** Loads trained weights (default examples/weights/fmnist_cnn.safetensors) strictly; returns the model. */
export function load_weights(model: FmnistCNN, path: string = weights_path(name)): FmnistCNN {
  return load_state_from_file(model, path);
}
