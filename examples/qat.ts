/**
 * The PyTorch quantization guide's quantization-aware training snippet, in fxq
 * (https://pytorch.org/docs/stable/quantization.html, "Quantization Aware Training for Static
 * Quantization"): M with quant → conv → bn → relu → dequant, the x86 QAT qconfig, fuse, prepare_qat,
 * a training loop, eval, convert. The guide leaves training_loop to the reader; here it is a few SGD steps
 * on random data with random targets (seed 0) — it shows the mechanics, not a useful model.
 *
 *   npx tsx examples/qat.ts
 */
import { pathToFileURL } from 'node:url';
import { Generator, nn, optim, quantization, randn, type Tensor } from '../index.js';

/** The guide's QAT model. */
export class M extends nn.Module {
  declare qconfig?: quantization.QConfig | null;
  quant = new quantization.QuantStub();
  conv = new nn.Conv2d(1, 1, 1);
  bn = new nn.BatchNorm2d(1);
  relu = new nn.ReLU();
  dequant = new quantization.DeQuantStub();

  forward(x: Tensor): Tensor {
    x = this.quant.forward(x);
    x = this.conv.forward(x);
    x = this.bn.forward(x);
    x = this.relu.forward(x);
    x = this.dequant.forward(x);
    return x;
  }
}

/** A stand-in for the guide's training_loop: `steps` SGD steps of MSE on random data (seed 0). */
export function training_loop(model: nn.Module, steps = 5): number[] {
  const g = new Generator(0);
  const x = randn([8, 1, 4, 4], { generator: g });
  const target = randn([8, 1, 4, 4], { generator: g }).relu();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zero_grad();
    const loss = (model.call(x) as Tensor).sub(target).pow(2).mean();
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return losses;
}

/** Runs the snippet; returns the models, the (random) input, the outputs and the training losses. */
export function run() {
  const model_fp32 = new M();
  // model must be set to eval for fusion to work
  model_fp32.eval();
  // attach a global qconfig: fake-quant for activations and weights
  model_fp32.qconfig = quantization.get_default_qat_qconfig('x86');
  // fuse the activations to preceding layers, where applicable
  const model_fp32_fused = quantization.fuse_modules(model_fp32, [['conv', 'bn', 'relu']]);
  // prepare the model for QAT: inserts observers and fake-quants; the model must be in train mode
  const model_fp32_prepared = quantization.prepare_qat(model_fp32_fused.train());
  // run the training loop (random data: see the file comment)
  const losses = training_loop(model_fp32_prepared);
  // convert the observed model to a quantized model: quantizes weights, computes and stores the scale
  // and bias for each activation tensor, fuses modules where appropriate and swaps in int8 modules
  model_fp32_prepared.eval();
  const model_int8 = quantization.convert(model_fp32_prepared);
  // run the model; the computation happens in int8
  const input_fp32 = randn([4, 1, 4, 4], { generator: new Generator(1) });
  const res = model_int8.forward(input_fp32);
  // the trained model in float (fake quant off), for comparison. (Against the fake-quant model itself the
  // int8 model differs where values pass the fake-quant clamp: the x86 qconfig's activation fake-quant
  // uses reduce_range, 0..127, while the int8 model's quint8 tensors keep the full 0..255 at the same
  // scale — as in torch.)
  model_fp32_prepared.apply(quantization.disable_fake_quant);
  const ref = model_fp32_prepared.forward(input_fp32);
  return { model_fp32_prepared, model_int8, input_fp32, res, ref, losses };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { model_int8, res, ref, losses } = run();
  console.log(`training losses (random data): ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
  console.log(model_int8.toString());
  let d = 0;
  for (let i = 0; i < res.numel(); i++) d = Math.max(d, Math.abs(res.data[i] - ref.data[i]));
  console.log(`max |int8 − trained float model| = ${d.toFixed(5)} (random input)`);
}
