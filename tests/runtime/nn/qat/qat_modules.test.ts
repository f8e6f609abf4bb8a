/** nn.qat / nn.intrinsic.qat modules: fake-quantized weights, simulated BN folding, from_float / to_float, int8 convert. */
import { describe, expect, it } from 'vitest';
import { F, Generator, manual_seed, nn, no_grad, quantization as Q, randn, type Tensor } from '../../../../index.js';
import * as nniq from '../../../../runtime/quantized/nn_intrinsic_quantized.js';
import * as nnq from '../../../../runtime/quantized/nn_quantized.js';

const qconfig = Q.get_default_qat_qconfig('qnnpack');
const g = () => new Generator(7);

function max_diff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.numel(); i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

function with_qconfig<M extends nn.Module>(m: M): M {
  (m as unknown as { qconfig: Q.QConfig }).qconfig = qconfig;
  return m;
}

/** A float conv + BN with non-trivial running statistics and affine parameters. */
function conv_bn(): [nn.Conv2d, nn.BatchNorm2d] {
  manual_seed(3);
  const conv = new nn.Conv2d(3, 4, 3, { padding: 1 });
  const bn = new nn.BatchNorm2d(4);
  bn.running_mean?.data.set([0.1, -0.2, 0.3, 0.05]);
  bn.running_var?.data.set([0.5, 2.0, 1.5, 0.8]);
  bn.weight?.data.set([1.2, 0.7, -0.9, 1.1]);
  bn.bias?.data.set([0.1, 0.2, -0.3, 0.0]);
  return [conv, bn];
}

describe('nn.qat.Linear / Conv2d', () => {
  it('from_float shares the float parameters and fake-quantizes the weight in forward', () => {
    manual_seed(0);
    const lin = with_qconfig(new nn.Linear(6, 5));
    const q = nn.qat.Linear.from_float(lin);
    expect(q.weight).toBe(lin.weight);
    expect(q.bias).toBe(lin.bias);
    const x = randn([4, 6], { generator: g() });
    const y = q.forward(x);
    const [s, z] = q.weight_fake_quant.calculate_qparams();
    const wq = Q.fake_quantize_per_tensor_affine(lin.weight, s, z, -128, 127);
    expect(max_diff(y, F.linear(x, wq, lin.bias))).toBe(0);
    // the fake-quantized weight differs from the float one, and fake quant off gives the float output back
    expect(max_diff(wq, lin.weight)).toBeGreaterThan(0);
    q.apply(Q.disable_fake_quant);
    expect(max_diff(q.forward(x), lin.forward(x))).toBe(0);
  });

  it('gradients reach the weight through the straight-through estimator', () => {
    manual_seed(1);
    const q = nn.qat.Conv2d.from_float(with_qconfig(new nn.Conv2d(2, 3, 3)));
    const y = q.forward(randn([2, 2, 5, 5], { generator: g() }));
    y.sum().backward();
    expect(q.weight.grad).not.toBeNull();
    expect(Math.max(...Array.from(q.weight.grad?.data ?? [], Math.abs))).toBeGreaterThan(0);
  });

  it('needs a qconfig, and from_float checks the float type', () => {
    expect(() => new nn.qat.Linear(2, 3)).toThrow(/qconfig must be provided for QAT module/);
    expect(() => nn.qat.Linear.from_float(new nn.Linear(2, 3))).toThrow(/must have a valid qconfig/);
    expect(() => nn.qat.Linear.from_float(with_qconfig(new nn.Conv2d(1, 1, 1)))).toThrow(/only works for Linear/);
  });

  it('to_float returns plain float modules with detached copies', () => {
    const q = nn.intrinsic.qat.LinearReLU.from_float(
      with_qconfig(new nn.intrinsic.LinearReLU(new nn.Linear(4, 3), new nn.ReLU())),
    );
    const f = q.to_float();
    expect(f).toBeInstanceOf(nn.intrinsic.LinearReLU);
    const lin = (f as nn.intrinsic.LinearReLU).at(0) as nn.Linear;
    expect(lin.weight).not.toBe(q.weight);
    expect(Array.from(lin.weight.data)).toEqual(Array.from(q.weight.data));
  });
});

describe('nn.intrinsic.qat.ConvBn2d (simulated BN folding)', () => {
  it('with fake quant off, train mode equals float conv → BatchNorm (batch statistics) and updates the same running stats', () => {
    const [conv, bn] = conv_bn();
    const ref_bn = new nn.BatchNorm2d(4);
    ref_bn.load_state_dict(bn.state_dict());
    const fused = with_qconfig(new nn.intrinsic.ConvBn2d(conv, bn));
    const q = nn.intrinsic.qat.ConvBn2d.from_float(fused);
    q.apply(Q.disable_fake_quant);
    const x = randn([3, 3, 6, 6], { generator: g() });
    const ref = ref_bn.forward(conv.forward(x));
    expect(max_diff(q.forward(x), ref)).toBeLessThan(1e-4);
    expect(max_diff(q.bn.running_mean as Tensor, ref_bn.running_mean as Tensor)).toBeLessThan(1e-6);
    expect(max_diff(q.bn.running_var as Tensor, ref_bn.running_var as Tensor)).toBeLessThan(1e-5);
  });

  it('freeze_bn_stats stops running-stat updates and uses them; update_bn_stats resumes', () => {
    const [conv, bn] = conv_bn();
    const q = nn.intrinsic.qat.ConvBnReLU2d.from_float(
      with_qconfig(new nn.intrinsic.ConvBnReLU2d(conv, bn, new nn.ReLU())),
    );
    q.apply(Q.freeze_bn_stats);
    const before = Float32Array.from(q.bn.running_mean?.data as Float32Array);
    const x = randn([2, 3, 5, 5], { generator: g() });
    q.forward(x);
    expect(Array.from(q.bn.running_mean?.data as Float32Array)).toEqual(Array.from(before));
    q.apply(Q.update_bn_stats);
    q.forward(x);
    expect(Array.from(q.bn.running_mean?.data as Float32Array)).not.toEqual(Array.from(before));
  });

  it('eval output (fake quant off) equals to_float(): the conv with BN folded in', () => {
    const [conv, bn] = conv_bn();
    const q = nn.intrinsic.qat.ConvBnReLU2d.from_float(
      with_qconfig(new nn.intrinsic.ConvBnReLU2d(conv, bn, new nn.ReLU())),
    );
    q.eval();
    q.apply(Q.disable_fake_quant);
    const f = q.to_float();
    expect(f).toBeInstanceOf(nn.intrinsic.ConvReLU2d);
    const x = randn([2, 3, 5, 5], { generator: g() });
    expect(max_diff(q.forward(x), (f as nn.Module).call(x) as Tensor)).toBeLessThan(1e-5);
  });

  it('int8 from_float folds BN and quantizes with the trained weight_fake_quant', () => {
    const [conv, bn] = conv_bn();
    const q = nn.intrinsic.qat.ConvBnReLU2d.from_float(
      with_qconfig(new nn.intrinsic.ConvBnReLU2d(conv, bn, new nn.ReLU())),
    );
    q.add_module('activation_post_process', qconfig.activation());
    const x = randn([4, 3, 6, 6], { generator: g() });
    q.train();
    const post = (q as unknown as { activation_post_process: nn.Module }).activation_post_process;
    for (let i = 0; i < 3; i++) post.call(q.forward(x));
    q.eval();
    const fq_out = no_grad(() => q.forward(x));
    const i8 = nniq.ConvReLU2d.from_float(q);
    const [fw] = q._weight_bias_for_convert();
    const [s] = q.weight_fake_quant.calculate_qparams();
    expect(i8.weight().q_scale()).toBeCloseTo(s.data[0], 7);
    // the int8 weight is the folded weight rounded at that scale
    const w8 = i8.weight();
    for (let i = 0; i < 20; i++)
      expect(w8.data[i]).toBe(Math.max(-128, Math.min(127, Math.round(fw.data[i] / w8.q_scale()))));
    const xq = Q.quantize_per_tensor(x, 0.05, 128, 'quint8');
    const y = i8.forward(xq).dequantize();
    // int8 output tracks the fake-quant model's output up to a few output steps
    expect(max_diff(y, fq_out)).toBeLessThan(6 * i8.scale + 0.05 * 3);
  });

  it('get_default_qat_module_mappings maps float and fused float classes to the QAT classes', () => {
    const m = Q.get_default_qat_module_mappings();
    expect(m.get(nn.Linear)).toBe(nn.qat.Linear);
    expect(m.get(nn.Conv2d)).toBe(nn.qat.Conv2d);
    expect(m.get(nn.intrinsic.ConvBn2d)).toBe(nn.intrinsic.qat.ConvBn2d);
    expect(m.get(nn.intrinsic.ConvBnReLU2d)).toBe(nn.intrinsic.qat.ConvBnReLU2d);
    expect(m.get(nn.intrinsic.ConvReLU2d)).toBe(nn.intrinsic.qat.ConvReLU2d);
    expect(m.get(nn.intrinsic.LinearReLU)).toBe(nn.intrinsic.qat.LinearReLU);
    expect(nnq.Conv2d.from_float).toBeTypeOf('function');
  });
});
