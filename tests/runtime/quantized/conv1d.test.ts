import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { load_quantized, save_quantized } from '../../../compiler/artifact/node/index.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx, prepare_qat_fx } from '../../../compiler/quantize_fx/prepare.js';
import { quantize_bias, requant_multipliers, requantize } from '../../../runtime/backends/js/int8/numerics.js';
import { set_backend } from '../../../runtime/backends/registry.js';
import { convert } from '../../../runtime/eager/convert.js';
import { fuse_modules } from '../../../runtime/eager/index.js';
import { prepare } from '../../../runtime/eager/prepare.js';
import { DeQuantStub, QuantStub } from '../../../runtime/eager/stubs.js';
import { ConvReLU1d as FConvReLU1d } from '../../../runtime/nn/intrinsic/fused_1d.js';
import { ReLU } from '../../../runtime/nn/layers/activation.js';
import { Conv1d } from '../../../runtime/nn/layers/conv_more.js';
import { BatchNorm1d } from '../../../runtime/nn/layers/normalization.js';
import { Module } from '../../../runtime/nn/module.js';
import { freeze_bn_stats } from '../../../runtime/nn/qat/conv_bn.js';
import * as nniqat from '../../../runtime/nn/qat/conv1d.js';
import { get_default_qat_qconfig, get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { Conv1d as QConv1d, ConvReLU1d as QConvReLU1d } from '../../../runtime/quantized/modules/conv1d.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { lcg } from '../backends/_arbitraries.js';
import {
  expect_js_wasm_agree,
  expect_near,
  expect_reload_bit_for_bit,
  random_bias,
  random_qinput,
  random_qweight,
  wasm_and_tmpdir,
} from './_nn_more_setup.js';

const dir = wasm_and_tmpdir();

interface Case {
  n: number;
  groups: number;
  cig: number;
  cog: number;
  len: number;
  k: number;
  s: number;
  p: number;
  d: number;
  per_channel: boolean;
  bias: boolean;
  relu: boolean;
  seed: number;
}

const arb_case: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 3 }),
    cig: fc.integer({ min: 1, max: 5 }),
    cog: fc.integer({ min: 1, max: 5 }),
    len: fc.integer({ min: 1, max: 23 }),
    k: fc.integer({ min: 1, max: 5 }),
    s: fc.integer({ min: 1, max: 3 }),
    p: fc.integer({ min: 0, max: 3 }),
    d: fc.integer({ min: 1, max: 3 }),
    per_channel: fc.boolean(),
    bias: fc.boolean(),
    relu: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .filter((c) => c.len + 2 * c.p - c.d * (c.k - 1) - 1 >= 0);

/** The module of case `c` with random int8 weights, float bias, input / output qparams; and its input. */
function build(c: Case) {
  const rnd = lcg(c.seed);
  const cin = c.cig * c.groups;
  const cout = c.cog * c.groups;
  const cls = c.relu ? QConvReLU1d : QConv1d;
  const m = new cls(cin, cout, c.k, { stride: c.s, padding: c.p, dilation: c.d, groups: c.groups, bias: c.bias });
  const { w, wq, scales, zps } = random_qweight(
    rnd,
    [cout, c.cig, c.k],
    c.per_channel ? { channels: cout, axis: 0 } : null,
  );
  const b = c.bias ? random_bias(rnd, cout) : null;
  m.set_weight_bias(w, b);
  m.scale = Math.fround(0.01 + rnd() * 0.2);
  m.zero_point = Math.floor(rnd() * 256);
  const { x, xs, xz, xd } = random_qinput(rnd, [c.n, cin, c.len]);
  return { m, x, wq, scales, zps, b, xs, xz, xd, cin, cout };
}

/** torch's quantized conv1d written out as loops (independent of the im2col / GEMM kernels). */
function oracle(c: Case, t: ReturnType<typeof build>): Uint8Array {
  const ws = Float32Array.from({ length: t.cout }, (_, o) => t.scales[c.per_channel ? o : 0]);
  const bias_q = t.b ? quantize_bias(t.b.data as Float32Array, t.xs, ws) : null;
  const mult = requant_multipliers(t.xs, ws, t.m.scale);
  const out = { scale: t.m.scale, zero_point: t.m.zero_point, qmin: c.relu ? t.m.zero_point : 0, qmax: 255 };
  const lo = Math.floor((c.len + 2 * c.p - c.d * (c.k - 1) - 1) / c.s) + 1;
  const y = new Uint8Array(c.n * t.cout * lo);
  for (let b = 0; b < c.n; b++)
    for (let o = 0; o < t.cout; o++) {
      const g = Math.floor(o / c.cog);
      const zw = t.zps[c.per_channel ? o : 0];
      for (let j = 0; j < lo; j++) {
        let acc = bias_q ? bias_q[o] : 0;
        for (let i = 0; i < c.cig; i++)
          for (let kk = 0; kk < c.k; kk++) {
            const pos = j * c.s - c.p + kk * c.d;
            if (pos < 0 || pos >= c.len) continue;
            const xv = t.xd[(b * t.cin + g * c.cig + i) * c.len + pos] - t.xz;
            acc += xv * (t.wq[(o * c.cig + i) * c.k + kk] - zw);
          }
        y[(b * t.cout + o) * lo + j] = requantize(acc, mult[o], out);
      }
    }
  return y;
}

describe('nn.quantized.Conv1d', () => {
  it('1,000 random convolutions equal torch’s formula on js and on wasm', () => {
    fc.assert(
      fc.property(arb_case, (c) => {
        const t = build(c);
        const want = oracle(c, t);
        for (const be of ['js', 'wasm'] as const) {
          set_backend(be);
          const y = t.m.forward(t.x);
          expect(y.shape).toEqual([c.n, t.cout, want.length / (c.n * t.cout)]);
          expect(y.q_scale()).toBe(Math.fround(t.m.scale));
          expect(Buffer.from(y.data as Uint8Array).equals(Buffer.from(want)), `${be} ${JSON.stringify(c)}`).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('prints torch’s extra_repr and keeps the weight [out, in/groups, k]', () => {
    const m = new QConv1d(4, 6, 3, { stride: 2, padding: 1, groups: 2 });
    expect(m.extra_repr()).toBe('4, 6, kernel_size=(3,), stride=(2,), scale=1.0, zero_point=0, padding=(1,), groups=2');
    expect(new QConvReLU1d(2, 2, 1, { bias: false }).extra_repr()).toBe(
      '2, 2, kernel_size=(1,), stride=(1,), scale=1.0, zero_point=0, bias=False',
    );
    expect(m.weight().shape).toEqual([6, 2, 3]);
    expect(Object.keys(m.state_dict()).sort()).toEqual(
      ['bias', 'scale', 'weight', 'weight_scale', 'weight_zero_point', 'zero_point'].sort(),
    );
    expect(() => m.set_weight_bias(make_qtensor(new Int8Array(36), [6, 2, 1, 3], 'qint8', 1, 0), null)).toThrow(
      /weight must be \[6, 2, 3\]/,
    );
  });
});

class Net extends Module {
  conv = new Conv1d(3, 8, 3, { padding: 1 });
  bn = new BatchNorm1d(8);
  relu = new ReLU();
  conv2 = new Conv1d(8, 4, 3, { stride: 2, groups: 4 });
  forward(x: Tensor): Tensor {
    return this.conv2.forward(this.relu.forward(this.bn.forward(this.conv.forward(x))));
  }
}

function trained_bn(net: Net): Net {
  manual_seed(5);
  net.bn.running_mean = randn([8]).mul(0.1);
  net.bn.running_var = randn([8]).abs().add(0.5);
  return net;
}

describe('Conv1d + BatchNorm1d + ReLU post-training quantization', () => {
  it('FX: fuses to nn.intrinsic.quantized.ConvReLU1d, tracks the float model, saves and reloads bit for bit', () => {
    manual_seed(0);
    const net = trained_bn(new Net()).eval();
    const calib = randn([8, 3, 17]);
    const p = prepare_fx(net, { '': get_default_qconfig('qnnpack') }, [calib]);
    p.forward(calib);
    const q = convert_fx(p);
    expect(q.get_submodule('conv').constructor).toBe(QConvReLU1d);
    expect(q.get_submodule('conv2').constructor).toBe(QConv1d);
    const x = randn([2, 3, 17]);
    const want = net.forward(x);
    set_backend('js');
    const got = q.forward(x) as Tensor;
    expect_near(got, want, 0.1);
    expect_reload_bit_for_bit(q, `${dir}/fxq_conv1d_${process.pid}.safetensors`, x, got);
  });

  it('FX with the fused conv left float (qconfig None): nn.intrinsic.ConvReLU1d / nn.Conv1d save and reload', () => {
    manual_seed(2);
    const net = trained_bn(new Net()).eval();
    const x = randn([2, 3, 13]);
    const qconfig = { '': get_default_qconfig('qnnpack'), module_name: [['conv', null]] };
    const p = prepare_fx(net, qconfig as never, [x]);
    p.forward(x);
    const q = convert_fx(p);
    expect(q.get_submodule('conv').constructor).toBe(FConvReLU1d);
    const path = `${dir}/fxq_conv1d_float_${process.pid}.safetensors`;
    save_quantized(q, path);
    set_backend('js');
    expect([...(load_quantized(path).forward(x) as Tensor).data]).toEqual([...(q.forward(x) as Tensor).data]);
  });

  it('eager: fuse_modules → ConvReLU1d, prepare, calibrate, convert; js and wasm agree', () => {
    manual_seed(1);
    class Eager extends Module {
      quant = new QuantStub();
      net = trained_bn(new Net());
      dequant = new DeQuantStub();
      forward(x: Tensor): Tensor {
        return this.dequant.forward(this.net.forward(this.quant.forward(x)));
      }
    }
    const m = new Eager().eval();
    fuse_modules(m.net, [['conv', 'bn', 'relu']], { inplace: true });
    expect(m.net.conv.constructor).toBe(FConvReLU1d);
    (m as unknown as { qconfig: unknown }).qconfig = get_default_qconfig('qnnpack');
    const p = prepare(m);
    p.forward(randn([4, 3, 11]));
    const q = convert(p);
    expect(q.net.conv.constructor).toBe(QConvReLU1d);
    expect(q.net.conv2.constructor).toBe(QConv1d);
    expect_js_wasm_agree(q, randn([2, 3, 11]));
  });
});

describe('Conv1d quantization-aware training', () => {
  it('prepare_qat_fx fuses Conv1d + BatchNorm1d + ReLU into nniqat.ConvBnReLU1d (BN live), trains, converts to ConvReLU1d', () => {
    manual_seed(4);
    const net = trained_bn(new Net()).train();
    const x = randn([4, 3, 15]);
    const p = prepare_qat_fx(net, { '': get_default_qat_qconfig('qnnpack') }, [x]);
    const fused = p.get_submodule('conv');
    expect(fused.constructor).toBe(nniqat.ConvBnReLU1d);
    expect(p.get_submodule('conv2').constructor).toBe(nniqat.Conv1d);
    const before = [...((fused as nniqat.ConvBnReLU1d).bn.running_mean as Tensor).data];
    for (let s = 0; s < 3; s++) p.forward(randn([4, 3, 15]));
    // training-mode steps move the live BatchNorm's statistics; frozen, they stay
    const moved = [...((fused as nniqat.ConvBnReLU1d).bn.running_mean as Tensor).data];
    expect(moved).not.toEqual(before);
    p.apply(freeze_bn_stats);
    p.forward(randn([4, 3, 15]));
    expect([...((fused as nniqat.ConvBnReLU1d).bn.running_mean as Tensor).data]).toEqual(moved);
    const q = convert_fx(p.eval());
    expect(q.get_submodule('conv').constructor).toBe(QConvReLU1d);
    expect(q.get_submodule('conv2').constructor).toBe(QConv1d);
    const xe = randn([2, 3, 15]);
    set_backend('js');
    const a = [...(q.forward(xe) as Tensor).data];
    set_backend('wasm');
    expect([...(q.forward(xe) as Tensor).data]).toEqual(a);
    // the converted model tracks the QAT model's fake-quantized forward (eval mode)
    const want = (p.forward(xe) as Tensor).data;
    const err = Math.max(...a.map((v, i) => Math.abs(v - want[i])));
    expect(err).toBeLessThan(0.05 * Math.max(...Array.from(want, Math.abs)));
  });
});
