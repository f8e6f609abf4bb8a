// The op rows beyond the Fashion-MNIST models, on onnxruntime-web: a float model that uses them
// (activations, LayerNorm, layout ops, reductions, functional calls) against fxq within 1e-4, and
// the same rows between Q/DQ in an FX int8 model (hardswish, permute, mean, cat).
import { beforeAll, describe, expect, it } from 'vitest';
import { image_batch, load_test_images } from '../../../examples/lib/fmnist_data.js';
import { load_onnxruntime, type Ort } from '../../../examples/lib/onnx_runtime.js';
import * as vit from '../../../examples/models/fmnist_vit.js';
import {
  cat,
  clamp,
  F,
  Generator,
  gelu,
  hardswish,
  leaky_relu,
  log_softmax,
  manual_seed,
  nn,
  no_grad,
  quantization,
  randn,
  silu,
  type Tensor,
} from '../../../index.js';
import { run_both } from './_ort_both.js';

class Zoo extends nn.Module {
  conv = new nn.Conv2d(3, 8, 3, { padding: 1 });
  hs = new nn.Hardswish();
  hsig = new nn.Hardsigmoid();
  ln = new nn.LayerNorm([8]);
  gelu = new nn.GELU();
  lrelu = new nn.LeakyReLU(0.2);
  silu = new nn.SiLU();
  fc = new nn.Linear(8, 5);
  forward(x: Tensor): Tensor {
    let y = this.hsig.forward(this.hs.forward(this.conv.forward(x))); // [N, 8, 6, 6]
    y = F.max_pool2d(F.avg_pool2d(y, 3, { stride: 1, padding: 1 }), 3, { stride: 1, padding: 1 });
    y = F.adaptive_avg_pool2d(F.dropout(y, { training: false }), 3); // [N, 8, 3, 3]
    y = y.permute(0, 2, 3, 1); // [N, 3, 3, 8]
    y = this.gelu.forward(this.ln.forward(y));
    y = this.silu.forward(this.lrelu.forward(y));
    y = gelu(silu(leaky_relu(hardswish(clamp(y, -2, 2)), 0.1)), { approximate: 'tanh' });
    const m = y.mean([1, 2]); // [N, 8]
    const z = cat([m.narrow(1, 0, 4), m.narrow(1, 4, 4)], 1)
      .unsqueeze(1)
      .squeeze(1);
    return log_softmax(this.fc.forward(z.transpose(0, 1).t()), 1)
      .exp()
      .softmax(-1);
  }
}

let ort: Ort;
beforeAll(async () => {
  ort = await load_onnxruntime();
});

describe('more op rows on onnxruntime-web', () => {
  it('a float model over activations, LayerNorm, layout ops and reductions matches fxq within 1e-4', async () => {
    manual_seed(0);
    const x = randn([3, 3, 6, 6], { generator: new Generator(1) });
    const { got, want } = await run_both(ort, new Zoo().eval(), x);
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    expect(d).toBeLessThan(1e-4);
  });

  it('FX int8: hardswish, permute and mean between Q/DQ give fxq’s integers within one step', async () => {
    manual_seed(0);
    class Q extends nn.Module {
      conv = new nn.Conv2d(3, 8, 3);
      hs = new nn.Hardswish();
      forward(x: Tensor): Tensor {
        const y = this.hs.forward(this.conv.forward(x)).permute(0, 2, 3, 1);
        return F.relu(y.mean([1, 2]));
      }
    }
    const x = randn([4, 3, 8, 8], { generator: new Generator(2) });
    const prepared = quantization.prepare_fx(new Q().eval(), { '': quantization.get_default_qconfig('qnnpack') }, [x]);
    no_grad(() => prepared.call(x));
    const q = quantization.convert_fx(prepared);
    const { got, want } = await run_both(ort, q, x);
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    // the output step: the largest gap between distinct dequantized values is a multiple of it
    const levels = [...new Set(want)].sort((a, b) => a - b);
    const step = Math.min(...levels.slice(1).map((v, i) => v - levels[i]));
    expect(d).toBeLessThanOrEqual(step * 1.001);
  });
});

describe('FmnistViT fp32 (LayerNorm, GELU, softmax attention, cls token expand, x[:, 0])', () => {
  it('exports (index → Slice / Gather, expand → Expand) and matches fxq within 1e-4', async () => {
    const model = vit.load_weights(vit.default()).eval();
    const test = load_test_images({ limit: 32 });
    const x = image_batch(test.images, 0, 32);
    const { got, want } = await run_both(ort, model, x);
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    expect(d).toBeLessThan(1e-4);
  });
});
