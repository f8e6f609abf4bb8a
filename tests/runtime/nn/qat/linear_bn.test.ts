/**
 * nn.intrinsic.qat.LinearBn1d: torch 1.13's simulated BN folding for Linear → BatchNorm1d (forward against a
 * hand-written reference, BN freezing, autograd), its mappings, and both QAT roads to an int8 nn.quantized.Linear
 * (prepare_qat_fx → convert_fx, and fuse_modules_qat → prepare_qat → convert).
 */
import { describe, expect, it } from 'vitest';
import { convert_fx } from '../../../../compiler/quantize_fx/convert.js';
import { get_quantization_warnings, prepare_qat_fx } from '../../../../compiler/quantize_fx/prepare.js';
import {
  Generator,
  gradcheck,
  manual_seed,
  nn,
  no_grad,
  optim,
  quantization as Q,
  randn,
  Tensor,
} from '../../../../index.js';
import { is_qat_module } from '../../../../runtime/nn/qat/mappings.js';
import { fuse_linear_bn_weights } from '../../../../runtime/nn/utils/fusion.js';
import * as nnq from '../../../../runtime/quantized/nn_quantized.js';

const qconfig = Q.get_default_qat_qconfig('qnnpack');
const g = (seed = 7) => new Generator(seed);
type Slots = Record<string, unknown>;

function max_diff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.numel(); i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

const copy = (t: Tensor | null): Float32Array => Float32Array.from(t?.data as Float32Array);

/** A float nni.LinearBn1d(Linear(5, 4), BatchNorm1d(4)) with a qconfig and non-trivial BN state. */
function fused_linear_bn(): nn.intrinsic.LinearBn1d {
  manual_seed(3);
  const lin = new nn.Linear(5, 4);
  const bn = new nn.BatchNorm1d(4);
  bn.running_mean?.data.set([0.1, -0.2, 0.3, 0.05]);
  bn.running_var?.data.set([0.5, 2.0, 1.5, 0.8]);
  bn.weight?.data.set([1.2, 0.7, -0.9, 1.1]);
  bn.bias?.data.set([0.1, 0.2, -0.3, 0.0]);
  const f = new nn.intrinsic.LinearBn1d(lin, bn);
  (f as unknown as Slots).qconfig = qconfig;
  return f;
}

const qat_linear_bn = () => nn.intrinsic.qat.LinearBn1d.from_float(fused_linear_bn());

describe('nn.intrinsic.qat.LinearBn1d module', () => {
  it('train-mode forward equals torch’s formula written out by hand, and updates the running stats as BatchNorm1d', () => {
    const q = qat_linear_bn();
    const x = randn([6, 5], { generator: g() });
    const [N, I, O] = [6, 5, 4];
    const f32 = Math.fround;
    const rm0 = copy(q.bn.running_mean);
    const rv0 = copy(q.bn.running_var);
    const gamma = copy(q.bn.weight);
    const beta = copy(q.bn.bias);
    const y = q.forward(x);
    // s = γ / sqrt(running_var + eps) from the statistics before this batch; fq(w · s) through the module's
    // own weight_fake_quant, its qparams as this forward left them (observer off so they stay put)
    const s = Array.from({ length: O }, (_, o) => f32(gamma[o] / f32(Math.sqrt(f32(rv0[o] + f32(q.bn.eps))))));
    const ws = new Float32Array(O * I);
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) ws[o * I + i] = f32(q.weight.data[o * I + i] * s[o]);
    q.weight_fake_quant.apply(Q.disable_observer);
    const wq = no_grad(() => q.weight_fake_quant.forward(new Tensor(ws, [O, I], 'float32'))).data;
    expect(Array.from(wq)).not.toEqual(Array.from(ws)); // the rounding is really there
    // linear with a zero bias, / s, + b, then BatchNorm with the batch's biased variance
    const z = new Float64Array(N * O);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++) {
        let acc = 0;
        for (let i = 0; i < I; i++) acc += x.data[n * I + i] * wq[o * I + i];
        z[n * O + o] = acc / s[o] + (q.bias as Tensor).data[o];
      }
    const ref = new Float32Array(N * O);
    const mom = q.bn.momentum as number;
    for (let o = 0; o < O; o++) {
      let mean = 0;
      for (let n = 0; n < N; n++) mean += z[n * O + o] / N;
      let v = 0;
      for (let n = 0; n < N; n++) v += (z[n * O + o] - mean) ** 2 / N;
      for (let n = 0; n < N; n++)
        ref[n * O + o] = ((z[n * O + o] - mean) / Math.sqrt(v + q.bn.eps)) * gamma[o] + beta[o];
      expect(q.bn.running_mean?.data[o]).toBeCloseTo((1 - mom) * rm0[o] + mom * mean, 5);
      expect(q.bn.running_var?.data[o]).toBeCloseTo((1 - mom) * rv0[o] + (mom * v * N) / (N - 1), 5);
    }
    expect(max_diff(y, new Tensor(ref, [N, O], 'float32'))).toBeLessThan(2e-5);
  });

  it('eval forward uses the running statistics: the folded Linear (fq off: equals to_float(), an nn.Linear)', () => {
    const q = qat_linear_bn();
    q.eval();
    expect(q.bn.training).toBe(false);
    const x = randn([5, 5], { generator: g() });
    const rm0 = copy(q.bn.running_mean);
    const y_fq = q.forward(x);
    expect(Array.from(copy(q.bn.running_mean))).toEqual(Array.from(rm0));
    q.apply(Q.disable_fake_quant);
    const f = q.to_float();
    expect(f.constructor).toBe(nn.Linear);
    expect(f.training).toBe(false);
    const y = q.forward(x);
    expect(max_diff(y, (f as nn.Linear).forward(x))).toBeLessThan(1e-5);
    // to_float holds exactly fuse_linear_bn_weights of the trained state (detached copies)
    const bn = q.bn;
    const [fw, fb] = fuse_linear_bn_weights(
      q.weight,
      q.bias,
      bn.running_mean as Tensor,
      bn.running_var as Tensor,
      bn.eps,
      bn.weight,
      bn.bias,
    );
    expect(Array.from((f as nn.Linear).weight.data)).toEqual(Array.from(fw.data));
    expect(Array.from((f as nn.Linear).bias?.data ?? [])).toEqual(Array.from(fb.data));
    // with fake quant on the output differs only by the weight rounding
    expect(max_diff(y_fq, y)).toBeGreaterThan(0);
    expect(max_diff(y_fq, y)).toBeLessThan(0.1);
  });

  it('freeze_bn_stats keeps the BN in eval through train(), also from a parent; update_bn_stats resumes', () => {
    const q = qat_linear_bn();
    const x = randn([6, 5], { generator: g() });
    const rm0 = copy(q.bn.running_mean);
    expect(q.freeze_bn_stats()).toBe(q);
    q.train();
    expect(q.bn.training).toBe(false); // torch's train(): a frozen BN is left alone
    const parent = new nn.Sequential(q).train(); // fxq's Module.train sets every flag; forward re-derives it
    parent.forward(x);
    expect(Array.from(copy(q.bn.running_mean))).toEqual(Array.from(rm0));
    // frozen in train mode = the eval computation
    const y_frozen = q.forward(x);
    q.eval();
    expect(max_diff(q.forward(x), y_frozen)).toBe(0);
    q.train();
    q.update_bn_stats();
    expect(q.bn.training).toBe(true);
    q.forward(x);
    expect(Array.from(copy(q.bn.running_mean))).not.toEqual(Array.from(rm0));
    // torch 1.13's apply-helpers only know the ConvBn classes: LinearBn1d is left as it is
    q.apply(Q.freeze_bn_stats);
    expect(q.freeze_bn).toBe(false);
  });

  it('gradients reach weight, bias, bn.weight and bn.bias; gradcheck with fake quant off', () => {
    const q = qat_linear_bn();
    const x = randn([6, 5], { generator: g() });
    const r = randn([6, 4], { generator: g(8) });
    q.forward(x).mul(r).sum().backward();
    for (const p of [q.weight, q.bn.weight, q.bn.bias] as Tensor[])
      expect(Math.max(...Array.from(p.grad?.data ?? [0], Math.abs))).toBeGreaterThan(1e-3);
    // train mode: BN subtracts the batch mean, so the Linear bias's gradient is (numerically) zero, as in torch
    expect(q.bias?.grad).not.toBeNull();
    expect(Math.max(...Array.from(q.bias?.grad?.data ?? [1], Math.abs))).toBeLessThan(1e-5);
    // eval: y = x·fq(w·s)ᵀ + (b − μ)·s + β, so ∂Σ r·y / ∂b = s · Σₙ r
    q.eval();
    q.zero_grad();
    q.forward(x).mul(r).sum().backward();
    const bn = q.bn;
    for (let o = 0; o < 4; o++) {
      const s = (bn.weight as Tensor).data[o] / Math.sqrt((bn.running_var as Tensor).data[o] + bn.eps);
      let rs = 0;
      for (let n = 0; n < 6; n++) rs += r.data[n * 4 + o];
      expect(q.bias?.grad?.data[o]).toBeCloseTo(s * rs, 4);
    }
    // finite differences through the scale-factor chain (γ enters both s and the BN), fake quant off
    for (const mode of [true, false]) {
      const m = qat_linear_bn();
      m.apply(Q.disable_fake_quant);
      m.train(mode);
      const params = [m.weight, m.bias, m.bn.weight, m.bn.bias] as Tensor[];
      const xx = randn([6, 5], { generator: g(9) });
      expect(gradcheck(() => m.forward(xx), params, { eps: 1e-2, atol: 2e-3, rtol: 2e-2 })).toBe(true);
    }
  });

  it('constructor, from_float checks, mappings and exports', () => {
    expect(() => new nn.intrinsic.qat.LinearBn1d(3, 2)).toThrow(/qconfig must be provided for QAT module/);
    const fresh = new nn.intrinsic.qat.LinearBn1d(3, 2, { qconfig, bias: false });
    expect(fresh.bias).toBeNull();
    expect(fresh.freeze_bn).toBe(false);
    expect(fresh.bn.training).toBe(true);
    // torch's reset_bn_parameters: γ ~ U(0, 1), β = 0
    for (const v of fresh.bn.weight?.data ?? []) expect(v >= 0 && v < 1).toBe(true);
    expect(Array.from(fresh.bn.bias?.data ?? [])).toEqual([0, 0]);
    expect(new nn.intrinsic.qat.LinearBn1d(3, 2, { qconfig, freeze_bn: true }).bn.training).toBe(false);
    expect(Object.keys(fresh.state_dict()).slice(0, 6)).toEqual([
      'weight',
      'bn.weight',
      'bn.bias',
      'bn.running_mean',
      'bn.running_var',
      'bn.num_batches_tracked',
    ]);

    const f = fused_linear_bn();
    const q = nn.intrinsic.qat.LinearBn1d.from_float(f);
    expect(q.weight).toBe((f.at(0) as nn.Linear).weight);
    expect(q.bias).toBe((f.at(0) as nn.Linear).bias);
    expect(q.bn).toBe(f.at(1));
    expect(q.qconfig).toBe(qconfig);
    expect(() =>
      nn.intrinsic.qat.LinearBn1d.from_float(new nn.intrinsic.LinearBn1d(new nn.Linear(2, 3), new nn.BatchNorm1d(3))),
    ).toThrow(/must have a valid qconfig/);
    const wrong = new nn.intrinsic.LinearReLU(new nn.Linear(2, 3), new nn.ReLU());
    (wrong as unknown as Slots).qconfig = qconfig;
    expect(() => nn.intrinsic.qat.LinearBn1d.from_float(wrong)).toThrow(/only works for LinearBn1d/);

    expect(Q.get_default_qat_module_mappings().get(nn.intrinsic.LinearBn1d)).toBe(nn.intrinsic.qat.LinearBn1d);
    expect(is_qat_module(q)).toBe(true);
    expect(Q.get_default_static_quant_module_mappings().get(nn.intrinsic.qat.LinearBn1d)).toBe(nnq.Linear);
  });
});

/** Linear → BatchNorm1d → ReLU, the model of the FX road. */
class LinBnRelu extends nn.Module {
  fc = new nn.Linear(8, 6);
  bn: nn.Module = new nn.BatchNorm1d(6);
  relu = new nn.ReLU();
  forward(x: Tensor): Tensor {
    return this.relu.forward(this.bn.call(this.fc.forward(x)) as Tensor);
  }
}

/** The same between QuantStub and DeQuantStub, for the eager road. */
class StubbedLinBnRelu extends LinBnRelu {
  declare qconfig?: Q.QConfig | null;
  quant = new Q.QuantStub();
  dequant = new Q.DeQuantStub();
  forward(x: Tensor): Tensor {
    return this.dequant.forward(super.forward(this.quant.forward(x)));
  }
}

/** A few SGD steps regressing onto a fixed target. */
function train_steps(model: nn.Module, x: Tensor, steps = 4): void {
  const target = randn([x.shape[0], 6], { generator: g(12) }).relu();
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  for (let i = 0; i < steps; i++) {
    opt.zero_grad();
    const loss = (model.call(x) as Tensor).sub(target).pow(2).mean();
    expect(Number.isFinite(loss.item())).toBe(true);
    loss.backward();
    opt.step();
  }
}

/** Fraction of elements of the int8 output within one output step (+ float slack) of the fake-quant one. */
function within_one_step(int8: Tensor, fq: Tensor, step: number): number {
  let ok = 0;
  for (let i = 0; i < fq.numel(); i++) if (Math.abs(int8.data[i] - fq.data[i]) <= step * (1 + 1e-4)) ok++;
  return ok / fq.numel();
}

describe('LinearBn1d QAT → int8 nn.quantized.Linear', () => {
  const x = randn([64, 8], { generator: g(11) });

  it('prepare_qat_fx swaps in nniqat.LinearBn1d; convert_fx lowers it (BN folded) and the ReLU to quantized.relu', () => {
    manual_seed(5);
    const prepared = prepare_qat_fx(new LinBnRelu().train(), { '': qconfig }, [x], null, { warn: false });
    expect(prepared.get_submodule('fc')).toBeInstanceOf(nn.intrinsic.qat.LinearBn1d);
    expect(get_quantization_warnings(prepared)).toEqual([]);
    const bn_before = copy((prepared.get_submodule('fc') as nn.intrinsic.qat.LinearBn1d).bn.weight);
    train_steps(prepared, x);
    const fc = prepared.get_submodule('fc') as nn.intrinsic.qat.LinearBn1d;
    expect(Array.from(copy(fc.bn.weight))).not.toEqual(Array.from(bn_before));

    expect(() => convert_fx(prepared)).toThrow(/train mode.*call prepared\.eval\(\) before convert_fx/);
    prepared.eval();
    prepared.apply(Q.disable_observer); // freeze the qparams so the fake-quant run matches what convert reads
    const fq_out = no_grad(() => prepared.forward(x) as Tensor);
    const q = convert_fx(prepared);
    const qfc = q.get_submodule('fc');
    expect(qfc.constructor).toBe(nnq.Linear);
    expect([...q.named_modules()].filter(([, m]) => is_qat_module(m) || m instanceof nn.BatchNorm1d)).toEqual([]);
    const targets = q.graph.nodes.map((n) => n.target);
    expect(targets).toContain('quantized.relu');
    expect(targets.filter((t) => t === 'dequantize').length).toBe(1); // one int8 region: fc → relu
    const int8_out = no_grad(() => q.forward(x) as Tensor);
    const step = (qfc as unknown as nnq.Linear).scale;
    expect(within_one_step(int8_out, fq_out, step)).toBeGreaterThanOrEqual(0.99);

    // the reference model: the QAT module becomes its to_float() (BN folded), with the int8 model's weights
    const ref = convert_fx(prepared, { is_reference: true });
    const rfc = ref.get_submodule('fc');
    expect(rfc.constructor).toBe(nn.Linear);
    const int8_w = (qfc as unknown as nnq.Linear).weight().dequantize();
    expect([...(rfc as nn.Linear).weight.data]).toEqual([...int8_w.data]);
    const ref_out = no_grad(() => ref.forward(x) as Tensor);
    expect(within_one_step(ref_out, int8_out, step)).toBeGreaterThanOrEqual(0.99);
  });

  it('eager: fuse_modules_qat([fc, bn]) → prepare_qat → train → convert gives nnq.Linear; train mode is refused', () => {
    manual_seed(6);
    const fused = Q.fuse_modules_qat(new StubbedLinBnRelu().train(), [['fc', 'bn']]);
    expect(fused.fc).toBeInstanceOf(nn.intrinsic.LinearBn1d);
    fused.qconfig = qconfig;
    const prepared = Q.prepare_qat(fused);
    expect(prepared.fc).toBeInstanceOf(nn.intrinsic.qat.LinearBn1d);
    expect((prepared.fc as unknown as Slots).activation_post_process).toBeInstanceOf(Q.FakeQuantize);
    train_steps(prepared, x);
    expect(() => Q.convert(prepared)).toThrow(
      /'fc' \(LinearBn1d\) is in training mode; call model\.eval\(\) before convert.*BatchNorm is folded/,
    );
    prepared.eval();
    prepared.apply(Q.disable_observer);
    const fq_out = no_grad(() => prepared.forward(x));
    const q = Q.convert(prepared);
    expect(q.fc.constructor).toBe(nnq.Linear);
    const int8_out = no_grad(() => q.forward(x));
    const step = (q.fc as unknown as nnq.Linear).scale;
    expect(within_one_step(int8_out, fq_out, step)).toBeGreaterThanOrEqual(0.99);
  });
});
