/**
 * Models for the profiling benches (profile_nodes, threads_profile): a float model in eval mode, calibration batches
 * and an input of any batch size. Fashion-MNIST models: trained weights, the first 1,000 training images in batches
 * of 50, the first test images. 224² models (resnet18, mobilenet_v2): the reference's random weights when found next
 * to --onnx (else fxq's random init), 4 random batches of 2 for calibration, a seeded random input.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { convert_fx, prepare_fx } from '../compiler/quantize_fx.js';
import { image_batch, load_calibration_images, load_test_images } from '../examples/lib/fmnist_data.js';
import { get_example_model } from '../examples/models/index.js';
import { Generator, load_safetensors, type nn, no_grad, quantization, randn, type Tensor } from '../index.js';

export function subject(
  name: string,
  onnx_dir: string,
): { model: nn.Module; calib: Tensor[]; input: (b: number) => Tensor } {
  const spec = get_example_model(name);
  if (name === 'fmnist_mobilenet' || spec.pretrained) {
    const have = name !== 'fmnist_mobilenet' || existsSync(join('examples', 'weights', 'fmnist_mobilenet.safetensors'));
    const model = (have && spec.pretrained ? spec.pretrained() : spec.create()).eval();
    const c = load_calibration_images({ limit: 1000 });
    const calib = Array.from({ length: 20 }, (_, i) => image_batch(c.images, 50 * i, 50));
    return { model, calib, input: (b) => image_batch(load_test_images({ limit: b }).images, 0, b) };
  }
  const model = spec.create().eval();
  const w = join(onnx_dir, '..', 'weights', `${name}.safetensors`);
  if (existsSync(w)) model.load_state_dict(load_safetensors(w));
  const shape = spec.example_inputs()[0].shape.slice(1);
  const g = new Generator(0);
  const calib = Array.from({ length: 4 }, () => randn([2, ...shape], { generator: g }));
  return { model, calib, input: (b) => randn([b, ...shape], { generator: new Generator(1) }) };
}

/** The subject's int8 model as the model bench converts it: qnnpack qconfig, its calibration batches, fold_clamps. */
export function int8_of(s: { model: nn.Module; calib: Tensor[] }): GraphModule {
  const prepared = prepare_fx(s.model, { '': quantization.get_default_qconfig('qnnpack') }, [
    s.calib[0].narrow(0, 0, 1),
  ]);
  no_grad(() => {
    for (const c of s.calib) prepared.call(c);
  });
  return convert_fx(prepared, { fold_clamps: true });
}
