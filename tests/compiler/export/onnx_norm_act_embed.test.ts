// Export rows of issue #16 part 2 on onnxruntime-web: ELU / LeakyReLU / GroupNorm / InstanceNorm / embeddings in float (within 1e-4 of fxq) and as FX
// int8 forms between DequantizeLinear and QuantizeLinear (within one output step of fxq's integers).
import { beforeAll, describe, expect, it } from 'vitest';
import { export_onnx_bytes } from '../../../compiler/export/onnx/export.js';
import { load_onnxruntime, type Ort } from '../../../examples/lib/onnx_runtime.js';
import { F, Generator, manual_seed, nn, no_grad, quantization, randn, Tensor } from '../../../index.js';
import {
  float_qparams_weight_only_qconfig,
  float_qparams_weight_only_qconfig_4bit,
} from '../../../runtime/quant/qconfig.js';
import { max_diff, run_both, step_of } from './_ort_both.js';

let ort: Ort;
beforeAll(async () => {
  ort = await load_onnxruntime();
});

class Acts extends nn.Module {
  conv = new nn.Conv2d(3, 4, 3);
  elu = new nn.ELU(0.7);
  lrelu = new nn.LeakyReLU(0.2);
  forward(x: Tensor): Tensor {
    const y = F.leaky_relu(this.elu.forward(this.conv.forward(x)), { negative_slope: 0.05 });
    return F.elu(this.lrelu.forward(y), { alpha: 1.5 });
  }
}

describe('ELU / LeakyReLU rows on onnxruntime-web', () => {
  it('float: nn.ELU, F.leaky_relu, nn.LeakyReLU, F.elu match fxq within 1e-4', async () => {
    manual_seed(0);
    const x = randn([2, 3, 7, 7], { generator: new Generator(1) });
    const { got, want } = await run_both(ort, new Acts().eval(), x);
    expect(max_diff(got, want)).toBeLessThan(1e-4);
  });

  it('FX int8: the quantized modules and quantized.elu / leaky_relu between Q/DQ, within one step', async () => {
    manual_seed(0);
    const x = randn([2, 3, 7, 7], { generator: new Generator(2) });
    const prepared = quantization.prepare_fx(new Acts().eval(), { '': quantization.get_default_qconfig('qnnpack') }, [
      x,
    ]);
    no_grad(() => prepared.call(x));
    const q = quantization.convert_fx(prepared);
    const targets = q.graph.nodes.map((n) =>
      n.op === 'call_module' ? q.get_submodule(n.target).constructor.name : n.target,
    );
    expect(targets).toEqual(expect.arrayContaining(['ELU', 'quantized.leaky_relu', 'LeakyReLU', 'quantized.elu']));
    const { got, want } = await run_both(ort, q, x);
    expect(max_diff(got, want)).toBeLessThanOrEqual(step_of(want) * 1.001);
  });
});

class Norms extends nn.Module {
  conv = new nn.Conv2d(3, 6, 3);
  gn = new nn.GroupNorm(3, 6);
  inorm = new nn.InstanceNorm2d(6, { affine: true });
  forward(x: Tensor): Tensor {
    const y = this.inorm.forward(this.conv.forward(x));
    const z = F.instance_norm(F.group_norm(y, 2, { weight: this.gn.weight, bias: this.gn.bias }), { eps: 1e-3 });
    return this.gn.forward(z);
  }
}

describe('GroupNorm / InstanceNorm rows on onnxruntime-web', () => {
  it('float: nn.GroupNorm, nn.InstanceNorm2d, F.group_norm, F.instance_norm match fxq within 1e-4', async () => {
    manual_seed(1);
    const m = new Norms().eval();
    // non-trivial affine parameters
    no_grad(() => {
      for (const p of [m.gn.weight, m.gn.bias, m.inorm.weight, m.inorm.bias]) p?.data.set(randn([6]).data);
    });
    const x = randn([2, 3, 7, 7], { generator: new Generator(3) });
    const { got, want } = await run_both(ort, m, x);
    expect(max_diff(got, want)).toBeLessThan(1e-4);
  });

  it('FX int8: nn.quantized.InstanceNorm2d and quantized.instance_norm between Q/DQ, the group_norm float island, within one step', async () => {
    manual_seed(2);
    const x = randn([2, 3, 7, 7], { generator: new Generator(4) });
    const prepared = quantization.prepare_fx(new Norms().eval(), { '': quantization.get_default_qconfig('qnnpack') }, [
      x,
    ]);
    no_grad(() => prepared.call(x));
    const q = quantization.convert_fx(prepared);
    const targets = q.graph.nodes.map((n) =>
      n.op === 'call_module' ? q.get_submodule(n.target).constructor.name : n.target,
    );
    expect(targets).toEqual(
      expect.arrayContaining(['InstanceNorm2d', 'F.group_norm', 'quantized.instance_norm', 'GroupNorm']),
    );
    const { got, want } = await run_both(ort, q, x);
    expect(max_diff(got, want)).toBeLessThanOrEqual(1e-4);
  });
});

class Embeds extends nn.Module {
  emb = new nn.Embedding(11, 6);
  bag = new nn.EmbeddingBag(11, 6, { mode: 'mean' });
  bag_max = new nn.EmbeddingBag(11, 6, { mode: 'max' });
  forward(x: Tensor): Tensor {
    // [B, L] indices: rows [B, L, 6] plus the mean and max of each bag, broadcast over L
    return this.emb.forward(x).add(this.bag.forward(x).unsqueeze(1)).add(this.bag_max.forward(x).unsqueeze(1));
  }
}

async function run_indices(model: nn.Module, x: Tensor) {
  const bytes = export_onnx_bytes(model, [x]);
  const session = await ort.InferenceSession.create(bytes);
  const feeds = {
    [session.inputNames[0]]: new ort.Tensor(
      'int64',
      BigInt64Array.from(x.data, (v) => BigInt(v)),
      x.shape,
    ),
  };
  const out = await session.run(feeds);
  const got = out[session.outputNames[0]].data as Float32Array;
  await session.release();
  return { got, want: (model as unknown as { forward(t: Tensor): Tensor }).forward(x).data };
}

describe('Embedding / EmbeddingBag rows on onnxruntime-web', () => {
  const x = new Tensor(Float64Array.from([1, 4, 10, 0, 0, 7, 3, 3, 2]), [3, 3], 'int64');
  it('float: Gather, and bags as Gather + ReduceMean / ReduceMax, match fxq within 1e-5', async () => {
    manual_seed(4);
    const { got, want } = await run_indices(new Embeds().eval(), x);
    expect(max_diff(got, want)).toBeLessThan(1e-5);
  });

  it('FX weight-only (8 and 4 bits): DequantizeLinear + row bias + Gather give fxq’s tables within 1e-5', async () => {
    for (const qconfig of [float_qparams_weight_only_qconfig, float_qparams_weight_only_qconfig_4bit]) {
      manual_seed(5);
      const q = quantization.convert_fx(quantization.prepare_fx(new Embeds().eval(), { '': qconfig }, [x]));
      expect(q.get_submodule('emb').constructor.name).toBe('Embedding');
      expect(String(q.get_submodule('bag'))).toContain('qscheme=torch.per_channel_affine_float_qparams');
      const { got, want } = await run_indices(q, x);
      expect(max_diff(got, want)).toBeLessThan(1e-5);
    }
  });
});
