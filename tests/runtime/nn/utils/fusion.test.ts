import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FmnistCNN, load_weights as load_cnn } from '../../../../examples/models/fmnist_cnn.js';
import { FmnistResNet, load_weights as load_resnet } from '../../../../examples/models/fmnist_resnet.js';
import { Generator, load_safetensors, nn, quantize_per_tensor, randn, type Tensor } from '../../../../index.js';
import { max_abs_diff, randomize_bn } from './_helpers.js';

const { fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights } = nn.utils;

describe('fuse_conv_bn_eval', () => {
  it('folded conv equals conv → bn (eval) within 1e-5 on random data and BN stats', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(1, 3),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (cin, cout, k, bias, seed) => {
          const conv = new nn.Conv2d(cin, cout, k, { padding: k === 3 ? 1 : 0, bias }).eval();
          const bn = new nn.BatchNorm2d(cout).eval();
          randomize_bn(bn, seed);
          const x = randn([2, cin, 5, 5], { generator: new Generator(seed + 1) });
          const want = bn.forward(conv.forward(x));
          const fused = fuse_conv_bn_eval(conv, bn);
          expect(fused).toBeInstanceOf(nn.Conv2d);
          expect(fused).not.toBe(conv);
          expect(max_abs_diff(fused.forward(x), want)).toBeLessThan(1e-5);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('leaves the original conv untouched, gives the fused conv a bias, and keeps requires_grad', () => {
    const conv = new nn.Conv2d(2, 3, 3, { bias: false }).eval();
    const bn = new nn.BatchNorm2d(3).eval();
    randomize_bn(bn, 7);
    const w = Float32Array.from(conv.weight.data);
    const fused = fuse_conv_bn_eval(conv, bn);
    expect(conv.weight.data).toEqual(w);
    expect(conv.bias).toBeNull();
    expect(fused.bias?.shape).toEqual([3]);
    expect(fused.weight).toBeInstanceOf(nn.Parameter);
    expect(fused.weight.requires_grad).toBe(true);
    expect(fused.bias?.requires_grad).toBe(false); // a zeros bias torch makes itself does not require grad
  });

  it('computes in float32 in torch order: w·(γ·rsqrt(v+eps)), ((b−μ)·rsqrt)·γ + β', () => {
    const f = Math.fround;
    const vec = (v: number[]): Tensor => {
      const x = randn([v.length]);
      x.data.set(v);
      return x;
    };
    const [w, b] = fuse_conv_bn_weights(
      vec([0.3, -1.7]).reshape([2, 1, 1, 1]),
      vec([0.1, 0.2]),
      vec([0.05, -0.4]),
      vec([0.9, 1.3]),
      1e-5,
      vec([1.1, 0.7]),
      vec([0.01, -0.02]),
    );
    for (const c of [0, 1]) {
      const rs = f(1 / f(Math.sqrt(f([0.9, 1.3][c] + f(1e-5)))));
      const gamma = f([1.1, 0.7][c]);
      expect(w.data[c]).toBe(f(f([0.3, -1.7][c]) * f(gamma * rs)));
      const centred = f(f(f([0.1, 0.2][c]) - f([0.05, -0.4][c])) * rs);
      expect(b.data[c]).toBe(f(f(centred * gamma) + f([0.01, -0.02][c])));
    }
  });

  it('refuses training-mode modules and mismatched channels, naming them', () => {
    const conv = new nn.Conv2d(1, 4, 1);
    const bn = new nn.BatchNorm2d(4);
    expect(() => fuse_conv_bn_eval(conv, bn)).toThrow(/Fusion only for eval!.*Conv2d\.training=true/);
    expect(() => fuse_conv_bn_eval(conv.eval(), new nn.BatchNorm2d(5).eval())).toThrow(
      /conv weight \[4, 1, 1, 1\] has 4 output channels but BatchNorm has 5 features/,
    );
    expect(() => fuse_conv_bn_eval(conv.eval(), new nn.BatchNorm2d(4, { track_running_stats: false }).eval())).toThrow(
      /no running statistics/,
    );
  });
});

describe('fuse_linear_bn_eval', () => {
  it('folded linear equals linear → BatchNorm1d (eval) within 1e-5', () => {
    for (const seed of [1, 2, 3]) {
      const lin = new nn.Linear(6, 4).eval();
      const bn = new nn.BatchNorm1d(4).eval();
      randomize_bn(bn, seed);
      const x = randn([5, 6], { generator: new Generator(seed) });
      const fused = fuse_linear_bn_eval(lin, bn);
      expect(fused).toBeInstanceOf(nn.Linear);
      expect(max_abs_diff(fused.forward(x), bn.forward(lin.forward(x)))).toBeLessThan(1e-5);
    }
  });

  it('broadcasts a 1-feature BatchNorm and rejects other feature counts', () => {
    const lin = new nn.Linear(3, 4, { bias: false });
    const bn = new nn.BatchNorm1d(1);
    randomize_bn(bn, 5);
    const [w, b] = fuse_linear_bn_weights(
      lin.weight,
      null,
      bn.running_mean as Tensor,
      bn.running_var as Tensor,
      1e-5,
      bn.weight,
      bn.bias,
    );
    const s = Math.fround((bn.weight as Tensor).data[0] / Math.sqrt((bn.running_var as Tensor).data[0] + 1e-5));
    expect(w.data[5]).toBeCloseTo(lin.weight.data[5] * s, 6);
    expect(new Set(b.data).size).toBe(1);
    expect(() => fuse_linear_bn_eval(lin.eval(), new nn.BatchNorm1d(3).eval())).toThrow(
      /linear.out_features == bn.num_features or bn.num_features == 1/,
    );
  });
});

describe('folding matches PyTorch bit for bit (reference PTQ goldens)', () => {
  const golden = load_safetensors(
    fileURLToPath(new URL('../../../fixtures/fusion/ptq_fused_weights.safetensors', import.meta.url)),
  );
  const check = (model: string, name: string, conv: nn.Conv2d, bn: nn.BatchNorm2d): void => {
    const fused = fuse_conv_bn_eval(conv, bn);
    const bias = golden[`${model}/${name}/bias_fp32`];
    expect([...(fused.bias as Tensor).data], `${model} ${name} bias`).toEqual([...bias.data]);
    // the weight observer (symmetric qint8 MinMax) scale: max|w'| / 127.5 — only exact if every w' is
    let max_abs = 0;
    for (const v of fused.weight.data) max_abs = Math.max(max_abs, Math.abs(v));
    const scale = golden[`${model}/${name}/weight_scale`].data[0];
    expect(Math.fround(max_abs / 127.5), `${model} ${name} weight scale`).toBe(scale);
    const w8 = golden[`${model}/${name}/weight_int8`];
    if (w8) expect([...quantize_per_tensor(fused.weight, scale, 0, 'qint8').int_repr().data]).toEqual([...w8.data]);
  };

  it('FmnistCNN conv1/conv2', () => {
    const m = load_cnn(new FmnistCNN()).eval();
    check('fmnist_cnn', 'conv1', m.conv1, m.bn1);
    check('fmnist_cnn', 'conv2', m.conv2, m.bn2);
  });

  it('FmnistResNet: every conv-bn pair (convs without bias)', () => {
    const m = load_resnet(new FmnistResNet()).eval();
    check('fmnist_resnet', 'conv1', m.conv1, m.bn1);
    for (const l of ['layer1', 'layer2', 'layer3'] as const) {
      const b = m[l];
      check('fmnist_resnet', `${l}.conv1`, b.conv1, b.bn1);
      check('fmnist_resnet', `${l}.conv2`, b.conv2, b.bn2);
      if (b.downsample)
        check(
          'fmnist_resnet',
          `${l}.downsample.0`,
          b.downsample.at(0) as nn.Conv2d,
          b.downsample.at(1) as nn.BatchNorm2d,
        );
    }
  });
});
