/** Eager QAT with LearnableFakeQuantize (LSQ) on activations and weights, QuantWrapper, and convert options. */
import { describe, expect, it } from 'vitest';
import { Generator, manual_seed, nn, no_grad, optim, quantization as Q, randn, type Tensor } from '../../../index.js';
import * as nniq from '../../../runtime/quantized/nn_intrinsic_quantized.js';
import * as nnq from '../../../runtime/quantized/nn_quantized.js';

type Slots = Record<string, unknown>;

function small(): nn.Sequential {
  manual_seed(11);
  return new nn.Sequential(
    new nn.Conv2d(2, 3, 3, { padding: 1 }),
    new nn.BatchNorm2d(3),
    new nn.ReLU(),
    new nn.Flatten(),
    new nn.Linear(3 * 4 * 4, 2),
  );
}

describe('QAT with LearnableFakeQuantize', () => {
  it('learns the scales, and convert takes the learned weight qparams', () => {
    const lsq = Q.QConfig({
      activation: Q.LearnableFakeQuantize.with_args({
        observer: Q.MovingAverageMinMaxObserver,
        quant_min: 0,
        quant_max: 255,
        use_grad_scaling: true,
      }),
      weight: Q.LearnableFakeQuantize.with_args({
        observer: Q.MovingAverageMinMaxObserver,
        quant_min: -128,
        quant_max: 127,
        dtype: 'qint8',
        qscheme: 'per_tensor_symmetric',
        use_grad_scaling: true,
      }),
    });
    const fused = Q.fuse_modules_qat(small().train(), [['0', '1', '2']]);
    const model = new Q.QuantWrapper(fused);
    model.qconfig = lsq;
    const p = Q.prepare_qat(model);
    const inner = p.module as nn.Sequential;
    expect(inner.at(0)).toBeInstanceOf(nn.intrinsic.qat.ConvBnReLU2d);
    const conv = inner.at(0) as nn.intrinsic.qat.ConvBnReLU2d;
    const wfq = conv.weight_fake_quant as unknown as Q.LearnableFakeQuantize;
    expect(wfq).toBeInstanceOf(Q.LearnableFakeQuantize);
    const gen = new Generator(3);
    const x = randn([6, 2, 4, 4], { generator: gen });
    const target = randn([6, 2], { generator: gen });
    p.forward(x); // static estimate initialises the learnable scales from the observers
    p.apply((m) => {
      if (m instanceof Q.LearnableFakeQuantize) m.enable_param_learning();
    });
    const s0 = wfq.scale.data[0];
    const opt = new optim.SGD(p.parameters(), { lr: 0.01 });
    for (let i = 0; i < 4; i++) {
      opt.zero_grad();
      const loss = p.forward(x).sub(target).pow(2).mean();
      loss.backward();
      opt.step();
    }
    expect(wfq.scale.grad).not.toBeNull();
    expect(wfq.scale.data[0]).not.toBe(s0);
    p.eval();
    const fq = no_grad(() => p.forward(x));
    const q = Q.convert(p);
    const qconv = (q.module as nn.Sequential).at(0) as unknown as nniq.ConvReLU2d;
    expect(qconv).toBeInstanceOf(nniq.ConvReLU2d);
    expect(qconv.weight().q_scale()).toBeCloseTo(wfq.scale.data[0], 6);
    const y = no_grad(() => q.forward(x));
    let d = 0;
    for (let i = 0; i < y.numel(); i++) d = Math.max(d, Math.abs(y.data[i] - fq.data[i]));
    const out_scale = ((q.module as nn.Sequential).at(4) as unknown as nnq.Linear).scale;
    expect(d).toBeLessThan(3 * out_scale);
  });
});

describe('QuantWrapper and convert options', () => {
  it('QuantWrapper takes the module’s qconfig for its stubs and quantizes around it', () => {
    const lin = new nn.Linear(4, 3);
    (lin as unknown as Slots).qconfig = Q.default_qconfig;
    const w = new Q.QuantWrapper(lin.eval());
    expect(w.quant.qconfig).toBe(Q.default_qconfig);
    expect(w.training).toBe(false);
    const p = Q.prepare(w);
    const x = randn([5, 4], { generator: new Generator(1) });
    no_grad(() => p.forward(x));
    const q = Q.convert(p);
    expect(q.module).toBeInstanceOf(nnq.Linear);
    const y = no_grad(() => q.forward(x)) as Tensor;
    const ref = no_grad(() => lin.forward(x));
    for (let i = 0; i < y.numel(); i++) expect(Math.abs(y.data[i] - ref.data[i])).toBeLessThan(0.05);
  });

  it('convert inplace mutates the model; a custom mapping limits what is swapped; errors name the module path', () => {
    const model = new nn.Sequential(new Q.QuantStub(), new nn.Linear(3, 3), new nn.Linear(3, 3), new Q.DeQuantStub());
    (model as unknown as Slots).qconfig = Q.default_qconfig;
    model.eval();
    const p = Q.prepare(model);
    no_grad(() => p.forward(randn([4, 3], { generator: new Generator(2) })));
    const only_stubs = new Map(
      [...Q.get_default_static_quant_module_mappings()].filter(([k]) => k === Q.QuantStub || k === Q.DeQuantStub),
    );
    const q = Q.convert(p, { mapping: only_stubs, inplace: true });
    expect(q).toBe(p);
    expect(p.at(0)).toBeInstanceOf(nnq.Quantize);
    expect(p.at(1)).toBeInstanceOf(nn.Linear);
    expect((p.at(1) as unknown as Slots).activation_post_process).toBeUndefined();
    // an observed module that was never calibrated cannot be converted: the error names it
    const fresh = Q.prepare(model);
    expect(() => Q.convert(fresh)).toThrow(/convert: swapping '0' \(QuantStub\) for Quantize/);
  });
});
