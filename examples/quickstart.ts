/** The README's quick start, runnable: `npx tsx examples/quickstart.ts`. */
import {
  load_fashion_mnist,
  load_safetensors,
  load_wasm_backend,
  quantization,
  set_backend,
  type Tensor,
} from '../index.js';
import FmnistCNN from './models/fmnist_cnn.js';

const data = 'examples/data/fashion-mnist';
const model = FmnistCNN().eval();
model.load_state_dict(load_safetensors('examples/weights/fmnist_cnn.safetensors'));
const calib = load_fashion_mnist(data, 'train-first1000');
const example = calib.images.narrow(0, 0, 1);

const qconfig = quantization.get_default_qconfig('qnnpack');
const prepared = quantization.prepare_fx(model, { '': qconfig }, [example]);
for (let i = 0; i < 1000; i += 50) prepared.forward(calib.images.narrow(0, i, 50)); // observers record
const quantized = quantization.convert_fx(prepared); // int8 GraphModule
console.log(quantized.code); // the generated TypeScript forward

load_wasm_backend();
set_backend('wasm'); // bit-identical to 'js', faster
const test = load_fashion_mnist(data, 'test');
const logits = quantized.forward(test.images.narrow(0, 0, 8)) as Tensor;
console.log('int8 argmax of the first 8 test images:', [...logits.argmax(1).data]);
quantization.save_quantized(quantized, 'out/fmnist_cnn_int8.safetensors'); // one file: weights + graph manifest
console.log('saved to out/fmnist_cnn_int8');
