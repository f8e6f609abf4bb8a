/**
 * The PyTorch quantization guide's eager-mode static quantization snippet, in fxq
 * (https://pytorch.org/docs/stable/quantization.html, "Post Training Static Quantization"): M with
 * quant → conv → relu → dequant, qconfig for the x86 backend, fuse conv+relu, prepare, calibrate, convert.
 * The input is random data (randn, seed 0), as in the guide.
 *
 *   npx tsx examples/eager_static.ts
 */
import { pathToFileURL } from 'node:url';
import { Generator, nn, quantization, randn, type Tensor } from '../index.js';

/** The guide's model: QuantStub converts float → quantized, DeQuantStub quantized → float. */
export class M extends nn.Module {
  declare qconfig?: quantization.QConfig | null;
  quant = new quantization.QuantStub();
  conv = new nn.Conv2d(1, 1, 1);
  relu = new nn.ReLU();
  dequant = new quantization.DeQuantStub();

  forward(x: Tensor): Tensor {
    x = this.quant.forward(x);
    x = this.conv.forward(x);
    x = this.relu.forward(x);
    x = this.dequant.forward(x);
    return x;
  }
}

/** Runs the snippet; returns the float model, the int8 model, the (random) input and both outputs. */
export function run() {
  // create a model instance; model must be set to eval mode for static quantization logic to work
  const model_fp32 = new M();
  model_fp32.eval();
  // attach a global qconfig: observers for activations (histogram) and weights (per-channel min/max)
  model_fp32.qconfig = quantization.get_default_qconfig('x86');
  // fuse conv + relu so they are quantized as one op
  const model_fp32_fused = quantization.fuse_modules(model_fp32, [['conv', 'relu']]);
  // insert observers
  const model_fp32_prepared = quantization.prepare(model_fp32_fused);
  // calibrate with a representative dataset — here random data, as the guide does
  const input_fp32 = randn([4, 1, 4, 4], { generator: new Generator(0) });
  model_fp32_prepared.forward(input_fp32);
  // convert: quantize the weights, compute and store the activation scale/zero point, swap in int8 modules
  const model_int8 = quantization.convert(model_fp32_prepared);
  // run the model; the computation happens in int8
  const res = model_int8.forward(input_fp32);
  return { model_fp32, model_int8, input_fp32, res, ref: model_fp32.forward(input_fp32) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { model_int8, res, ref } = run();
  console.log(model_int8.toString());
  let d = 0;
  for (let i = 0; i < res.numel(); i++) d = Math.max(d, Math.abs(res.data[i] - ref.data[i]));
  console.log(`int8 output shape [${res.shape}], max |int8 − fp32| = ${d.toFixed(5)} (random input)`);
}
