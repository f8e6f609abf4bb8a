/** Eager-mode static quantization and QAT: propagate_qconfig_, prepare, prepare_qat, convert, and their errors. */
import { describe, expect, it } from 'vitest';
import { Generator, manual_seed, nn, no_grad, optim, quantization as Q, randn, type Tensor } from '../../../index.js';
import * as nniq from '../../../runtime/quantized/nn_intrinsic_quantized.js';
import * as nnq from '../../../runtime/quantized/nn_quantized.js';

/** The guide's static-quantization toy: quant → conv → relu → dequant. */
class M extends nn.Module {
  declare qconfig?: Q.QConfig | null;
  quant = new Q.QuantStub();
  conv = new nn.Conv2d(1, 1, 1);
  relu = new nn.ReLU();
  dequant = new Q.DeQuantStub();
  forward(x: Tensor): Tensor {
    return this.dequant.forward(this.relu.forward(this.conv.forward(this.quant.forward(x))));
  }
}

/** A small conv-bn-relu / linear net for QAT. */
class Net extends nn.Module {
  declare qconfig?: Q.QConfig | null;
  quant = new Q.QuantStub();
  conv = new nn.Conv2d(2, 4, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(4);
  relu = new nn.ReLU();
  fc = new nn.Linear(4 * 4 * 4, 3);
  dequant = new Q.DeQuantStub();
  forward(x: Tensor): Tensor {
    const y = this.relu.forward(this.bn.forward(this.conv.forward(this.quant.forward(x))));
    return this.dequant.forward(this.fc.forward(y.flatten(1)));
  }
}

type Slots = Record<string, unknown>;
const qc = (m: nn.Module) => (m as unknown as Slots).qconfig;
const max_abs_diff = (a: Tensor, b: Tensor) => {
  let m = 0;
  for (let i = 0; i < a.numel(); i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
};

describe('propagate_qconfig_', () => {
  it('parent < class < qualified name < the module’s own qconfig; null switches a subtree off', () => {
    const a = Q.get_default_qconfig('qnnpack');
    const b = Q.default_qconfig;
    const c = Q.default_per_channel_qconfig;
    const net = new Net();
    net.qconfig = a;
    (net.fc as unknown as Slots).qconfig = null;
    const dict = new Map<unknown, Q.QConfig | null>([
      [nn.Conv2d, b],
      ['bn', c],
    ]);
    Q.propagate_qconfig_(net, dict as Q.EagerQConfigDict);
    expect(qc(net.quant)).toBe(a);
    expect(qc(net.conv)).toBe(b);
    expect(qc(net.bn)).toBe(c);
    expect(qc(net.fc)).toBeNull();
  });
});

describe('eager static quantization (prepare → calibrate → convert)', () => {
  it('observes QuantStub and Conv2d outputs only, then swaps in Quantize / Conv2d / DeQuantize', () => {
    manual_seed(0);
    const model = new M().eval();
    model.qconfig = Q.get_default_qconfig('qnnpack');
    const prepared = Q.prepare(model);
    expect(prepared).not.toBe(model);
    expect((model.conv as unknown as Slots).activation_post_process).toBeUndefined();
    const obs = (m: nn.Module) => (m as unknown as Slots).activation_post_process;
    expect(obs(prepared.quant)).toBeInstanceOf(Q.HistogramObserver);
    expect(obs(prepared.conv)).toBeInstanceOf(Q.HistogramObserver);
    expect(obs(prepared.relu)).toBeUndefined();
    expect(obs(prepared.dequant)).toBeUndefined();
    const x = randn([4, 1, 4, 4], { generator: new Generator(1) });
    no_grad(() => prepared.forward(x));
    expect((obs(prepared.conv) as Q.HistogramObserver).max_val.data[0]).toBeGreaterThan(-Infinity);
    const q = Q.convert(prepared);
    expect(q.quant).toBeInstanceOf(nnq.Quantize);
    expect(q.conv).toBeInstanceOf(nnq.Conv2d);
    expect(q.dequant).toBeInstanceOf(nnq.DeQuantize);
    expect(qc(q.conv)).toBeUndefined();
    expect(obs(q.relu)).toBeUndefined();
    const y = no_grad(() => q.forward(x));
    const ref = no_grad(() => model.forward(x));
    expect(max_abs_diff(y, ref)).toBeLessThan(0.05);
  });

  it('a deep copy of a prepared model observes into its own observers', () => {
    const model = new M().eval();
    model.qconfig = Q.default_qconfig;
    const p = Q.prepare(model);
    const copy = nn.utils.deepcopy(p);
    no_grad(() => copy.forward(randn([2, 1, 3, 3], { generator: new Generator(2) })));
    const o = (m: nn.Module) => (m as unknown as Slots).activation_post_process as Q.MinMaxObserver;
    expect(o(copy.conv).max_val.data[0]).toBeGreaterThan(-Infinity);
    expect(o(p.conv).max_val.data[0]).toBe(-Infinity);
  });

  it('observes only classes static convert can swap: an LSTM keeps its qconfig but gets no observer', () => {
    const m = new nn.Sequential(new Q.QuantStub(), new nn.Linear(4, 4), new Q.DeQuantStub(), new nn.LSTM(4, 3));
    (m as unknown as Slots).qconfig = Q.default_qconfig;
    const p = Q.prepare(m.eval());
    expect((p.at(1) as unknown as Slots).activation_post_process).toBeInstanceOf(Q.MinMaxObserver);
    expect(Q.qconfig_equals(qc(p.at(3)) as Q.QConfig, Q.default_qconfig)).toBe(true);
    expect((p.at(3) as unknown as Slots).activation_post_process).toBeUndefined();
  });

  it('prepare without any qconfig is an error that says how to set one', () => {
    expect(() => Q.prepare(new M())).toThrow(/no module of M has a qconfig.*model\.qconfig = get_default_qconfig/);
  });
});

describe('eager QAT (fuse_modules_qat → prepare_qat → train → convert)', () => {
  function qat_net(): Net {
    manual_seed(4);
    const net = new Net().train();
    const fused = Q.fuse_modules_qat(net, [['conv', 'bn', 'relu']]);
    fused.qconfig = Q.get_default_qat_qconfig('qnnpack');
    return fused;
  }

  it('swaps in QAT modules with fake-quant observers, trains, and converts to int8', () => {
    const prepared = Q.prepare_qat(qat_net());
    expect(prepared.conv).toBeInstanceOf(nn.intrinsic.qat.ConvBnReLU2d);
    expect(prepared.fc).toBeInstanceOf(nn.qat.Linear);
    expect((prepared.conv as unknown as Slots).activation_post_process).toBeInstanceOf(Q.FakeQuantize);
    expect((prepared.quant as unknown as Slots).activation_post_process).toBeInstanceOf(Q.FakeQuantize);
    const gen = new Generator(5);
    const x = randn([8, 2, 4, 4], { generator: gen });
    const target = randn([8, 3], { generator: gen });
    const opt = new optim.SGD(prepared.parameters(), { lr: 0.05, momentum: 0.9 });
    const loss0 = prepared.forward(x).sub(target).pow(2).mean();
    for (let i = 0; i < 5; i++) {
      opt.zero_grad();
      const loss = prepared.forward(x).sub(target).pow(2).mean();
      loss.backward();
      opt.step();
    }
    const loss1 = prepared.forward(x).sub(target).pow(2).mean();
    expect(loss1.item()).toBeLessThan(loss0.item());
    expect(() => Q.convert(prepared)).toThrow(
      /training mode; call model\.eval\(\) before convert.*BatchNorm is folded/,
    );
    prepared.eval();
    const fq = no_grad(() => prepared.forward(x));
    const q = Q.convert(prepared);
    expect(q.conv).toBeInstanceOf(nniq.ConvReLU2d);
    expect(q.fc).toBeInstanceOf(nnq.Linear);
    expect(q.quant).toBeInstanceOf(nnq.Quantize);
    const y = no_grad(() => q.forward(x));
    // int8 equals the fake-quant model up to a couple of output steps
    expect(max_abs_diff(y, fq)).toBeLessThan(3 * (q.fc as unknown as nnq.Linear).scale);
  });

  it('prepare_qat refuses a model in eval mode', () => {
    const net = qat_net().eval();
    expect(() => Q.prepare_qat(net)).toThrow(/training mode \(call model\.train\(\) first\)/);
  });
});
