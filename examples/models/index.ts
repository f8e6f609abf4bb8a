/** The example models by name, each with its factory, example inputs and weight loader. */
import type { nn, Tensor } from '../../index.js';
import fmnist_cnn, * as cnn from './fmnist_cnn.js';
import fmnist_lstm, * as lstm from './fmnist_lstm.js';
import fmnist_mobilenet, * as fmobile from './fmnist_mobilenet.js';
import fmnist_resnet, * as resnet from './fmnist_resnet.js';
import fmnist_vit, * as vit from './fmnist_vit.js';
import mobilenet_v2, * as mv2 from './mobilenet_v2.js';
import resnet18, * as r18 from './resnet18.js';

/** What each example model file provides. */
export interface ExampleModel {
  name: string;
  create: () => nn.Module;
  example_inputs: () => Tensor[];
  /** A new model with the trained PyTorch weights (default file) or those at `path`; the Fashion-MNIST models only. */
  pretrained?: (path?: string) => nn.Module;
  /** fp32 test accuracy of the PyTorch reference (docs/reference/RESULTS.md). */
  reference_accuracy?: number;
}

/** The three trained Fashion-MNIST models, in docs/reference/RESULTS.md order. */
export const FMNIST_MODELS: ExampleModel[] = [
  {
    name: cnn.name,
    create: fmnist_cnn,
    example_inputs: cnn.example_inputs,
    pretrained: (p) => cnn.load_weights(fmnist_cnn(), p),
    reference_accuracy: 0.9041,
  },
  {
    name: resnet.name,
    create: fmnist_resnet,
    example_inputs: resnet.example_inputs,
    pretrained: (p) => resnet.load_weights(fmnist_resnet(), p),
    reference_accuracy: 0.8998,
  },
  {
    name: lstm.name,
    create: fmnist_lstm,
    example_inputs: lstm.example_inputs,
    pretrained: (p) => lstm.load_weights(fmnist_lstm(), p),
    reference_accuracy: 0.8637,
  },
];

/**
 * The trained Fashion-MNIST vision transformer (docs/reference/RESULTS.md §7). Kept out of FMNIST_MODELS, which
 * the int8 examples loop over, until its quantized ops exist.
 */
export const FMNIST_VIT: ExampleModel = {
  name: vit.name,
  create: fmnist_vit,
  example_inputs: vit.example_inputs,
  pretrained: (p) => vit.load_weights(fmnist_vit(), p),
  reference_accuracy: 0.8813,
};

/** FmnistMobileNet, trained by fxq (examples/train_fmnist_mobilenet.ts): no PyTorch reference. */
export const FMNIST_MOBILENET: ExampleModel = {
  name: fmobile.name,
  create: fmnist_mobilenet,
  example_inputs: fmobile.example_inputs,
  pretrained: (p) => fmobile.load_weights(fmnist_mobilenet(), p),
};

/** Every example model, including the random-weight resnet18 and mobilenet_v2 used for latency. */
export const EXAMPLE_MODELS: ExampleModel[] = [
  ...FMNIST_MODELS,
  FMNIST_MOBILENET,
  FMNIST_VIT,
  { name: r18.name, create: resnet18, example_inputs: r18.example_inputs },
  { name: mv2.name, create: mobilenet_v2, example_inputs: mv2.example_inputs },
];

/** An example model by name; an unknown name lists the known ones. */
export function get_example_model(name: string): ExampleModel {
  const m = EXAMPLE_MODELS.find((e) => e.name === name);
  if (!m) throw new Error(`unknown example model '${name}' (have: ${EXAMPLE_MODELS.map((e) => e.name).join(', ')})`);
  return m;
}
