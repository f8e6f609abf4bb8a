/**
 * FmnistLSTM, as the PyTorch reference (docs/reference/models.py) defines it (attribute names = PyTorch state_dict keys):
 * the 28 image rows are 28 time steps of 28 features → lstm (hidden 128, batch_first) → last step → fc.
 */
import { Generator, nn, randn, type Tensor } from '../../index.js';
import { load_state_from_file, weights_path } from './common.js';

/** A one-layer LSTM classifier reading Fashion-MNIST images row by row, 10 logits out. */
export class FmnistLSTM extends nn.Module {
  lstm: nn.LSTM;
  fc: nn.Linear;

  constructor(hidden = 128) {
    super();
    this.lstm = new nn.LSTM(28, hidden, { num_layers: 1, batch_first: true });
    this.fc = new nn.Linear(hidden, 10);
  }

  forward(x: Tensor): Tensor {
    x = x.reshape(x.shape[0], 28, 28);
    const [out] = this.lstm.forward(x);
    return this.fc.forward(out.select(1, -1));
  }
}

/** Model name: the weights file and ONNX file stem. */
export const name = 'fmnist_lstm';

/** A fresh, randomly initialised FmnistLSTM. */
export default function create(): FmnistLSTM {
  return new FmnistLSTM();
}

/** One normalised-image-shaped input [1, 1, 28, 28] (seeded), for tracing and prepare_fx. */
export function example_inputs(): Tensor[] {
  return [randn([1, 1, 28, 28], { generator: new Generator(0) })];
}

/** Loads trained weights (default examples/weights/fmnist_lstm.safetensors) strictly; returns the model. */
export function load_weights(model: FmnistLSTM, path: string = weights_path(name)): FmnistLSTM {
  return load_state_from_file(model, path);
}
