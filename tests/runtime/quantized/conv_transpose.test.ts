import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { load_quantized, save_quantized } from '../../../compiler/artifact/node/index.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { quantize_bias, requant_multipliers, requantize } from '../../../runtime/backends/js/int8/numerics.js';
import { set_backend } from '../../../runtime/backends/registry.js';
import { convert } from '../../../runtime/eager/convert.js';
import { prepare } from '../../../runtime/eager/prepare.js';
import { DeQuantStub, QuantStub } from '../../../runtime/eager/stubs.js';
import { ConvTranspose2d } from '../../../runtime/nn/layers/conv_more.js';
import { BatchNorm2d } from '../../../runtime/nn/layers/normalization.js';
import { Module } from '../../../runtime/nn/module.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { ConvTranspose2d as QConvTranspose2d } from '../../../runtime/quantized/modules/conv_transpose.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
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
  ig: number;
  og: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  s: [number, number];
  p: [number, number];
  op: [number, number];
  d: [number, number];
  per_channel: boolean;
  bias: boolean;
  seed: number;
}

const two = (lo: number, hi: number) =>
  fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })) as fc.Arbitrary<[number, number]>;
const arb_case: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    groups: fc.integer({ min: 1, max: 3 }),
    ig: fc.integer({ min: 1, max: 4 }),
    og: fc.integer({ min: 1, max: 4 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    s: two(1, 3),
    p: two(0, 3),
    op: two(0, 2),
    d: two(1, 2),
    per_channel: fc.boolean(),
    bias: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map((c) => ({ ...c, per_channel: c.per_channel && c.groups === 1 }))
  .filter((c) => [0, 1].every((i) => c.op[i] < Math.max(c.s[i], c.d[i]) && out_size(c, i) >= 1));

function out_size(c: Case, i: 0 | 1 | number): number {
  const [inp, k] = i === 0 ? [c.h, c.kh] : [c.w, c.kw];
  return (inp - 1) * c.s[i] - 2 * c.p[i] + c.d[i] * (k - 1) + c.op[i] + 1;
}

function build(c: Case) {
  const rnd = lcg(c.seed);
  const cin = c.ig * c.groups;
  const cout = c.og * c.groups;
  const m = new QConvTranspose2d(cin, cout, [c.kh, c.kw], {
    stride: c.s,
    padding: c.p,
    output_padding: c.op,
    dilation: c.d,
    groups: c.groups,
    bias: c.bias,
  });
  const { w, wq, scales, zps } = random_qweight(
    rnd,
    [cin, c.og, c.kh, c.kw],
    c.per_channel ? { channels: cout, axis: 1 } : null,
  );
  const b = c.bias ? random_bias(rnd, cout) : null;
  m.set_weight_bias(w, b);
  m.scale = Math.fround(0.02 + rnd() * 0.3);
  m.zero_point = Math.floor(rnd() * 256);
  const { x, xs, xz, xd } = random_qinput(rnd, [c.n, cin, c.h, c.w]);
  return { m, x, wq, scales, zps, b, xs, xz, xd, cin, cout };
}

/** torch's formula as a scatter of every (input pixel, tap) product into its output accumulator. */
function oracle(c: Case, t: ReturnType<typeof build>): Uint8Array {
  const [oh, ow] = [out_size(c, 0), out_size(c, 1)];
  const acc = new Int32Array(c.n * t.cout * oh * ow);
  for (let b = 0; b < c.n; b++)
    for (let ic = 0; ic < t.cin; ic++) {
      const g = Math.floor(ic / c.ig);
      for (let ih = 0; ih < c.h; ih++)
        for (let iw = 0; iw < c.w; iw++) {
          const xv = t.xd[((b * t.cin + ic) * c.h + ih) * c.w + iw] - t.xz;
          for (let o = 0; o < c.og; o++) {
            const oc = g * c.og + o;
            const zw = t.zps[c.per_channel ? oc : 0];
            for (let a = 0; a < c.kh; a++) {
              const y = ih * c.s[0] - c.p[0] + a * c.d[0];
              if (y < 0 || y >= oh) continue;
              for (let e = 0; e < c.kw; e++) {
                const xx = iw * c.s[1] - c.p[1] + e * c.d[1];
                if (xx < 0 || xx >= ow) continue;
                acc[((b * t.cout + oc) * oh + y) * ow + xx] +=
                  xv * (t.wq[((ic * c.og + o) * c.kh + a) * c.kw + e] - zw);
              }
            }
          }
        }
    }
  const ws = Float32Array.from({ length: t.cout }, (_, o) => t.scales[c.per_channel ? o : 0]);
  const bias_q = t.b ? quantize_bias(t.b.data as Float32Array, t.xs, ws) : null;
  const mult = requant_multipliers(t.xs, ws, t.m.scale);
  const out = { scale: t.m.scale, zero_point: t.m.zero_point, qmin: 0, qmax: 255 };
  const plane = oh * ow;
  return Uint8Array.from(acc, (v, i) => {
    const oc = Math.floor(i / plane) % t.cout;
    return requantize(v + (bias_q ? bias_q[oc] : 0), mult[oc], out);
  });
}

describe('nn.quantized.ConvTranspose2d', () => {
  it('1,000 random transposed convolutions equal torch’s formula on js and on wasm', () => {
    fc.assert(
      fc.property(arb_case, (c) => {
        const t = build(c);
        const want = oracle(c, t);
        for (const be of ['js', 'wasm'] as const) {
          set_backend(be);
          const y = t.m.forward(t.x);
          expect(y.shape).toEqual([c.n, t.cout, out_size(c, 0), out_size(c, 1)]);
          expect(Buffer.from(y.data as Uint8Array).equals(Buffer.from(want)), `${be} ${JSON.stringify(c)}`).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('prints torch’s extra_repr, keeps torch’s state_dict, refuses per-channel qparams along the input axis', () => {
    const m = new QConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, output_padding: 1, groups: 2 });
    expect(m.extra_repr()).toBe(
      '4, 6, kernel_size=(3, 3), stride=(2, 2), scale=1.0, zero_point=0, padding=(1, 1), output_padding=(1, 1), groups=2',
    );
    expect(m.weight().shape).toEqual([4, 3, 3, 3]);
    expect(Object.keys(m.state_dict()).sort()).toEqual(
      ['bias', 'scale', 'weight', 'weight_scale', 'weight_zero_point', 'zero_point'].sort(),
    );
    const w = new Tensor(new Int8Array(4 * 3 * 9), [4, 3, 3, 3], 'qint8');
    w.quantizer = { kind: 'per_channel', scales: Float64Array.of(1, 1, 1, 1), zero_points: new Int32Array(4), axis: 0 };
    expect(() => m.set_weight_bias(w, null)).toThrow(/along axis 1 \(output channels\) with groups 1/);
  });
});

class Net extends Module {
  up = new ConvTranspose2d(3, 6, 3, { stride: 2, padding: 1, output_padding: 1 });
  bn = new BatchNorm2d(6);
  up2 = new ConvTranspose2d(6, 4, [2, 3], { stride: [2, 1], groups: 2, dilation: [1, 2] });
  forward(x: Tensor): Tensor {
    return this.up2.forward(this.bn.forward(this.up.forward(x)));
  }
}

function with_stats(net: Net): Net {
  manual_seed(9);
  net.bn.running_mean = randn([6]).mul(0.1);
  net.bn.running_var = randn([6]).abs().add(0.5);
  return net;
}

describe('ConvTranspose2d post-training quantization', () => {
  it('FX: BatchNorm2d folds in, both become nn.quantized.ConvTranspose2d, near the float model, save → load bit for bit', () => {
    manual_seed(0);
    const net = with_stats(new Net()).eval();
    const x = randn([2, 3, 5, 6]);
    const p = prepare_fx(net, { '': get_default_qconfig('qnnpack') }, [x]);
    p.forward(x);
    const q = convert_fx(p);
    expect(q.get_submodule('up').constructor).toBe(QConvTranspose2d);
    expect(q.get_submodule('up2').constructor).toBe(QConvTranspose2d);
    expect(q.graph.nodes.some((n) => n.target === 'bn')).toBe(false);
    const want = net.forward(x);
    set_backend('js');
    const got = q.forward(x) as Tensor;
    expect_near(got, want, 0.1);
    expect_reload_bit_for_bit(q, `${dir}/fxq_convt_${process.pid}.safetensors`, x, got);
  });

  it('FX with the transposed conv left float: nn.ConvTranspose2d saves and reloads', () => {
    manual_seed(1);
    const net = new Net().eval();
    const x = randn([1, 3, 4, 4]);
    const p = prepare_fx(net, { '': get_default_qconfig('qnnpack'), module_name: [['up2', null]] } as never, [x]);
    p.forward(x);
    const q = convert_fx(p);
    expect(q.get_submodule('up2').constructor).toBe(ConvTranspose2d);
    const path = `${dir}/fxq_convt_float_${process.pid}.safetensors`;
    save_quantized(q, path);
    set_backend('js');
    expect([...(load_quantized(path).forward(x) as Tensor).data]).toEqual([...(q.forward(x) as Tensor).data]);
  });

  it('eager: nn.ConvTranspose2d → nn.quantized.ConvTranspose2d; js and wasm agree', () => {
    manual_seed(2);
    class Eager extends Module {
      quant = new QuantStub();
      up = new ConvTranspose2d(3, 5, 4, { stride: 2, padding: 1 });
      dequant = new DeQuantStub();
      forward(x: Tensor): Tensor {
        return this.dequant.forward(this.up.forward(this.quant.forward(x)));
      }
    }
    const m = new Eager().eval();
    (m as unknown as { qconfig: unknown }).qconfig = get_default_qconfig('qnnpack');
    const p = prepare(m);
    p.forward(randn([2, 3, 5, 5]));
    const q = convert(p);
    expect(q.up.constructor).toBe(QConvTranspose2d);
    expect_js_wasm_agree(q, randn([2, 3, 5, 5]));
  });
});
