import { describe, expect, it } from 'vitest';
import { Module } from '../../../runtime/nn/module.js';
import { Parameter } from '../../../runtime/nn/parameter.js';
import {
  _fake_quantize_learnable_per_channel_affine,
  _fake_quantize_learnable_per_tensor_affine,
  default_fixed_qparams_range_0to1_fake_quant,
  default_per_channel_weight_fake_quant,
  disable_fake_quant,
  disable_observer,
  enable_fake_quant,
  enable_observer,
  FakeQuantize,
  FixedQParamsFakeQuantize,
  fake_quantize_per_tensor_affine,
  get_default_qat_qconfig,
  LearnableFakeQuantize,
  MovingAverageMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver,
  quantize_per_tensor,
} from '../../../runtime/quant/index.js';
import { add, gradcheck, matmul, mean, mul, randn, sub, tensor } from '../../../runtime/tensor/index.js';
import { Generator } from '../../../runtime/tensor/random.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';

const f32 = (a: number[], shape = [a.length]) => new Tensor(Float32Array.from(a), shape, 'float32');

describe('fake_quantize_per_tensor_affine', () => {
  it('equals dequantize(quantize(x)) clamped to [qmin, qmax] and passes gradient only inside', () => {
    const x = f32([-3, -0.26, 0, 0.25, 0.74, 2, 9]).requires_grad_();
    const y = fake_quantize_per_tensor_affine(x, 0.5, 2, 0, 10);
    // q = 2 + rne(x / 0.5) = [-4, 1(ties: -0.52 -> -1), 2, 2(0.5->0), 3(1.48), 6, 20] clamped to [0, 10]
    expect([...y.data]).toEqual([-1, -0.5, 0, 0, 0.5, 2, 4]);
    const ref = quantize_per_tensor(f32([-0.26, 0.74, 2]), 0.5, 2, 'quint8').dequantize();
    expect([y.data[1], y.data[4], y.data[5]]).toEqual([...ref.data]);
    y.backward(f32([1, 1, 1, 1, 1, 1, 1]));
    expect([...(x.grad as Tensor).data]).toEqual([0, 1, 1, 1, 1, 1, 0]);
  });
});

describe('FakeQuantize module', () => {
  it('observes, updates scale/zero_point buffers, and respects the enable/disable switches', () => {
    const fq = new FakeQuantize({ observer: MovingAverageMinMaxObserver, quant_min: 0, quant_max: 255 });
    expect(Object.keys(fq.state_dict())).toEqual([
      'fake_quant_enabled',
      'observer_enabled',
      'scale',
      'zero_point',
      'activation_post_process.eps',
      'activation_post_process.min_val',
      'activation_post_process.max_val',
    ]);
    const x = f32([-1, 0, 0.5, 3]);
    const y = fq.forward(x);
    const [s, z] = fq.calculate_qparams();
    expect(fq.scale.data[0]).toBe(s.data[0]);
    expect(fq.zero_point.data[0]).toBe(z.data[0]);
    expect(fq.zero_point.dtype).toBe('int32');
    expect([...y.data]).toEqual([...quantize_per_tensor(x, s.data[0], z.data[0], 'quint8').dequantize().data]);
    const m = new Module();
    (m as unknown as { fq: FakeQuantize }).fq = fq;
    m.apply(disable_observer);
    fq.forward(f32([-10, 10]));
    expect(fq.scale.data[0]).toBe(s.data[0]);
    m.apply(disable_fake_quant);
    expect(fq.forward(f32([0.123])).data[0]).toBeCloseTo(0.123, 6);
    m.apply(enable_fake_quant);
    m.apply(enable_observer);
    fq.forward(f32([-10, 10]));
    expect(fq.scale.data[0]).not.toBe(s.data[0]);
  });

  it('per-channel weight fake quant resizes its qparams to the channel count', () => {
    const fq = default_per_channel_weight_fake_quant();
    const w = f32([0.1, -0.2, 1, -3, 0.5, 0.25], [3, 2]);
    const y = fq.forward(w);
    expect(fq.scale.shape).toEqual([3]);
    expect([...fq.zero_point.data]).toEqual([0, 0, 0]);
    expect(fq.activation_post_process).toBeInstanceOf(MovingAveragePerChannelMinMaxObserver);
    for (let c = 0; c < 3; c++) {
      const amax = Math.max(Math.abs(w.data[2 * c]), Math.abs(w.data[2 * c + 1]));
      expect(fq.scale.data[c]).toBeCloseTo(amax / 127.5, 6);
    }
    expect(Math.abs(y.data[3] - w.data[3])).toBeLessThan(fq.scale.data[1]);
    // a fresh module loads the per-channel state (its buffers resize, as torch's do)
    const fresh = default_per_channel_weight_fake_quant();
    fresh.load_state_dict(fq.state_dict());
    expect([...fresh.scale.data]).toEqual([...fq.scale.data]);
    expect(fresh.calculate_qparams()[0].data).toEqual(fq.calculate_qparams()[0].data);
    expect([...fresh.forward(w).data]).toEqual([...y.data]);
  });

  it('FixedQParamsFakeQuantize keeps scale 1/256, zero point 0 whatever it sees', () => {
    const fq = default_fixed_qparams_range_0to1_fake_quant();
    expect(fq).toBeInstanceOf(FixedQParamsFakeQuantize);
    fq.forward(f32([-5, 5]));
    expect([fq.scale.data[0], fq.zero_point.data[0]]).toEqual([1 / 256, 0]);
    expect(fq.forward(f32([0.5, 2])).data[1]).toBe(255 / 256);
  });

  it('rejects ranges outside the dtype', () => {
    expect(() => new FakeQuantize({ quant_min: -1, quant_max: 255 })).toThrow(/quant_min -1 out of bound for quint8/);
    expect(() => new FakeQuantize({ quant_min: 5, quant_max: 1 })).toThrow(/must be <= quant_max/);
  });
});

/**
 * LSQ check: the surrogate g = fq(x) with round(·) replaced by identity + a constant frozen at the base
 * point has exactly the LSQ gradients; gradcheck compares the op's analytic backward with central
 * differences of that surrogate (forward value = surrogate, gradient = the op's, via a detached correction).
 */
function lsq_surrogate(x0: Tensor, s0: number[], z0: number[], qmin: number, qmax: number, ch: (i: number) => number) {
  const c = x0.data.map((x, i) => {
    const v = x / s0[ch(i)] + Math.round(z0[ch(i)]);
    return Math.round(v) - v;
  });
  const region = x0.data.map((x, i) => {
    const q = Math.round(x / s0[ch(i)] + Math.round(z0[ch(i)]));
    return q < qmin ? -1 : q > qmax ? 1 : 0;
  });
  return (x: Tensor, s: Tensor, z: Tensor): Float64Array =>
    Float64Array.from(x.data, (xv, i) => {
      const sc = s.data[ch(i)];
      const zp = z.data[ch(i)];
      if (region[i] < 0) return (qmin - zp) * sc;
      if (region[i] > 0) return (qmax - zp) * sc;
      return xv + c[i] * sc;
    });
}

describe('learnable fake quantize (LSQ)', () => {
  it('per-tensor gradients for x, scale and zero_point pass gradcheck against the LSQ surrogate', () => {
    const g = new Generator(7);
    const x = randn([24], { generator: g }).requires_grad_();
    const s = f32([0.05]).requires_grad_();
    const z = f32([100]).requires_grad_();
    // values in both clamped regions: 0.05 * (0 - 100) = -5 and 0.05 * (255 - 100) = 7.75
    x.data[0] = -6;
    x.data[1] = 9;
    const sur = lsq_surrogate(x, [0.05], [100], 0, 255, () => 0);
    const fn = (xi: Tensor, si: Tensor, zi: Tensor) => {
      const y = _fake_quantize_learnable_per_tensor_affine(xi, si, zi, 0, 255, 1);
      const corr = sur(xi, si, zi).map((v, i) => v - y.data[i]);
      return add(y, new Tensor(Float32Array.from(corr), y.shape, 'float32'));
    };
    expect(gradcheck(fn, [x, s, z], { eps: 1e-3, atol: 2e-3, rtol: 1e-2 })).toBe(true);
  });

  it('per-channel gradients pass gradcheck against the LSQ surrogate', () => {
    const g = new Generator(3);
    const x = randn([3, 5], { generator: g }).requires_grad_();
    const s = f32([0.02, 0.05, 0.1]).requires_grad_();
    const z = f32([0, 3, -2]).requires_grad_();
    x.data[0] = 4; // saturates channel 0 (0.02 * 127 = 2.54)
    const sur = lsq_surrogate(x, [0.02, 0.05, 0.1], [0, 3, -2], -128, 127, (i) => Math.floor(i / 5));
    const fn = (xi: Tensor, si: Tensor, zi: Tensor) => {
      const y = _fake_quantize_learnable_per_channel_affine(xi, si, zi, 0, -128, 127, 1);
      const corr = sur(xi, si, zi).map((v, i) => v - y.data[i]);
      return add(y, new Tensor(Float32Array.from(corr), y.shape, 'float32'));
    };
    expect(gradcheck(fn, [x, s, z], { eps: 1e-3, atol: 2e-3, rtol: 1e-2 })).toBe(true);
  });

  it("LearnableFakeQuantize's scale moves under gradient and grad_factor scales it", () => {
    const lfq = new LearnableFakeQuantize({ quant_min: 0, quant_max: 255, scale: 0.001, zero_point: 0 });
    expect(Object.keys(lfq.state_dict()).slice(0, 7)).toEqual([
      'scale',
      'zero_point',
      'fake_quant_enabled',
      'observer_enabled',
      'static_enabled',
      'learning_enabled',
      'eps',
    ]);
    lfq.enable_param_learning();
    const x = f32([0.05, 0.1, 0.4, 0.9]);
    const before = lfq.scale.data[0];
    for (let step = 0; step < 50; step++) {
      lfq.zero_grad();
      const y = lfq.forward(x);
      const d = sub(y, x);
      const loss = mean(mul(d, d));
      loss.backward();
      const gs = (lfq.scale.grad as Tensor).data[0];
      lfq.scale.data[0] -= 1e-3 * gs;
    }
    // the initial scale saturates everything above 0.255: gradient must grow it
    expect(lfq.scale.data[0]).toBeGreaterThan(before * 1.5);
    const lg = new LearnableFakeQuantize({ quant_min: 0, quant_max: 255, use_grad_scaling: true });
    lg.enable_param_learning();
    const y = lg.forward(f32([300, 400]));
    mean(y).backward();
    // saturated at qmax: dscale = dy * (qmax - zp) * 1/sqrt(numel * qmax) with dy = 1/2
    expect((lg.scale.grad as Tensor).data[0]).toBeCloseTo((2 * 0.5 * 255) / Math.sqrt(2 * 255), 3);
  });
});

/** A tiny fake-quantized linear layer: y = fq_act(x · fq_w(W)ᵀ + b). */
class QATLinear extends Module {
  weight: Parameter;
  bias: Parameter;
  weight_fake_quant: Module & { forward(x: Tensor): Tensor };
  activation_post_process: Module & { forward(x: Tensor): Tensor };
  constructor(inp: number, out: number, g: Generator) {
    super();
    this.weight = new Parameter(mul(randn([out, inp], { generator: g }), 0.3));
    this.bias = new Parameter(tensor(new Float32Array(out)));
    const qconfig = get_default_qat_qconfig('qnnpack');
    this.weight_fake_quant = qconfig.weight() as never;
    this.activation_post_process = qconfig.activation() as never;
  }
  forward(x: Tensor): Tensor {
    const w = this.weight_fake_quant.forward(this.weight);
    return this.activation_post_process.forward(add(matmul(x, w.t()), this.bias));
  }
}

describe('QAT building blocks train', () => {
  it('a fake-quantized linear model fits a toy regression (loss goes down)', () => {
    // float warm-up, then observers and fake quant on: the first observed batch sets the moving averages.
    // (Switching on too early freezes weights at the clip boundary: clipped values get no gradient.)
    const g = new Generator(11);
    const X = randn([64, 4], { generator: g });
    const W_true = f32([0.5, -1, 2, 0.25, -0.5, 1, 0, 1.5], [2, 4]);
    const Y = matmul(X, W_true.t());
    const model = new QATLinear(4, 2, g);
    const losses: number[] = [];
    model.apply(disable_fake_quant).apply(disable_observer);
    for (let step = 0; step < 200; step++) {
      if (step === 60) model.apply(enable_fake_quant).apply(enable_observer);
      model.zero_grad();
      const d = sub(model.forward(X), Y);
      const loss = mean(mul(d, d));
      losses.push(loss.data[0]);
      loss.backward();
      for (const p of model.parameters()) {
        const gd = (p.grad as Tensor).data;
        for (let i = 0; i < p.data.length; i++) p.data[i] -= 0.1 * gd[i];
      }
    }
    const last = losses[losses.length - 1];
    expect(last).toBeLessThan(losses[0] * 0.05);
    expect(last).toBeLessThan(0.01);
    // with fake quant on, the loss stays at the 8-bit noise floor (no divergence, no clipping lock-up)
    expect(Math.max(...losses.slice(60))).toBeLessThan(0.002);
    expect(model.weight_fake_quant.state_dict().scale.data[0]).toBeGreaterThan(0);
  });
});
