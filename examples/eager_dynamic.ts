/**
 * The PyTorch quantization guide's dynamic quantization snippet, in fxq
 * (https://pytorch.org/docs/stable/quantization.html, "Post Training Dynamic Quantization"): M with one
 * Linear(4, 4), quantize_dynamic({nn.Linear}, qint8), run on a random [4, 4, 4, 4] input (randn, seed 0,
 * as the guide), plus the float16 variant of the same call.
 *
 *   npx tsx examples/eager_dynamic.ts
 */
import { pathToFileURL } from 'node:url';
import { Generator, nn, quantization, randn, type Tensor } from '../index.js';

/** The guide's floating point model. */
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor): Tensor {
    x = this.fc.forward(x);
    return x;
  }
}

/** Runs the snippet; returns the float model, the qint8 and float16 models, the (random) input and outputs. */
export function run() {
  // create a model instance
  const model_fp32 = new M();
  // create a quantized model instance
  const model_int8 = quantization.quantize_dynamic(
    model_fp32, // the original model
    new Set([nn.Linear]), // a set of layers to dynamically quantize
    'qint8', // the target dtype for quantized weights
  );
  // the same with float16 weights
  const model_fp16 = quantization.quantize_dynamic(model_fp32, new Set([nn.Linear]), 'float16');
  // run the model (random input, as in the guide)
  const input_fp32 = randn([4, 4, 4, 4], { generator: new Generator(0) });
  const res = model_int8.forward(input_fp32);
  const res_fp16 = model_fp16.forward(input_fp32);
  return { model_fp32, model_int8, model_fp16, input_fp32, res, res_fp16, ref: model_fp32.forward(input_fp32) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { model_int8, model_fp16, res, res_fp16, ref } = run();
  console.log(model_int8.toString());
  console.log(model_fp16.toString());
  const diff = (a: Tensor) => {
    let d = 0;
    for (let i = 0; i < a.numel(); i++) d = Math.max(d, Math.abs(a.data[i] - ref.data[i]));
    return d;
  };
  console.log(
    `max |qint8 − fp32| = ${diff(res).toFixed(5)}, max |float16 − fp32| = ${diff(res_fp16).toExponential(2)} (random input)`,
  );
}
