import { describe, expect, it } from 'vitest';
import { fx, Generator, nn, no_grad, quantization, randn, type Tensor } from '../../../index.js';
import { max_abs_diff, randomize_bn } from './utils/_helpers.js';

const nni = nn.intrinsic;

describe('nn.intrinsic float fused modules', () => {
  it('are Sequential containers of their parts, children "0", "1", "2", state_dict keys as torch', () => {
    const conv = new nn.Conv2d(1, 2, 3);
    const m = new nni.ConvReLU2d(conv, new nn.ReLU());
    expect(m).toBeInstanceOf(nn.Sequential);
    expect(m.training).toBe(true);
    expect(new nni.ConvReLU2d(new nn.Conv2d(1, 1, 1).eval(), new nn.ReLU().eval()).training).toBe(false);
    expect(m.at(0)).toBe(conv);
    expect(Object.keys(m.state_dict())).toEqual(['0.weight', '0.bias']);
    const cbr = new nni.ConvBnReLU2d(new nn.Conv2d(1, 2, 3, { bias: false }), new nn.BatchNorm2d(2), new nn.ReLU());
    expect(Object.keys(cbr.state_dict())).toEqual([
      '0.weight',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
    ]);
    expect(Object.keys(new nni.LinearBn1d(new nn.Linear(3, 2), new nn.BatchNorm1d(2)).state_dict())).toContain(
      '1.running_var',
    );
    expect(new nni.BNReLU2d(new nn.BatchNorm2d(2), new nn.ReLU()).toString()).toMatch(
      /^BNReLU2d\(\n {2}\(0\): BatchNorm2d/,
    );
  });

  it('forward = the parts in order', () => {
    const x = randn([2, 3, 6, 6], { generator: new Generator(1) });
    const conv = new nn.Conv2d(3, 4, 3, { padding: 1 }).eval();
    const bn = new nn.BatchNorm2d(4).eval();
    randomize_bn(bn, 2);
    const relu = new nn.ReLU();
    const want = relu.forward(bn.forward(conv.forward(x)));
    expect(max_abs_diff(new nni.ConvBnReLU2d(conv, bn, relu).forward(x), want)).toBe(0);
    expect(max_abs_diff(new nni.ConvBn2d(conv, bn).forward(x), bn.forward(conv.forward(x)))).toBe(0);
    expect(max_abs_diff(new nni.ConvReLU2d(conv, relu).forward(x), relu.forward(conv.forward(x)))).toBe(0);
    const c = conv.forward(x);
    expect(max_abs_diff(new nni.BNReLU2d(bn, relu).forward(c), relu.forward(bn.forward(c)))).toBe(0);
    const lin = new nn.Linear(5, 4);
    const v = randn([3, 5]);
    expect(max_abs_diff(new nni.LinearReLU(lin, relu).forward(v), relu.forward(lin.forward(v)))).toBe(0);
  });

  it('does not run a child added later (an observer) as a stage', () => {
    const m = new nni.LinearReLU(new nn.Linear(2, 2), new nn.ReLU());
    let calls = 0;
    class Spy extends nn.Module {
      forward(x: Tensor): Tensor {
        calls++;
        return x.mul(100);
      }
    }
    m.add_module('activation_post_process', new Spy());
    const x = randn([1, 2]);
    const want = (m.at(1) as nn.ReLU).forward((m.at(0) as nn.Linear).forward(x));
    expect(max_abs_diff(m.forward(x), want)).toBe(0);
    expect(calls).toBe(0);
  });

  it('checks part types exactly, naming expected and got', () => {
    class MyConv extends nn.Conv2d {}
    expect(() => new nni.ConvReLU2d(new MyConv(1, 1, 1), new nn.ReLU())).toThrow(
      /ConvReLU2d: Incorrect types for input modules: expected \(Conv2d, ReLU\), got \(MyConv, ReLU\)/,
    );
    expect(() => new nni.LinearReLU(new nn.Linear(1, 1), new nn.ReLU6() as unknown as nn.ReLU)).toThrow(
      /got \(Linear, ReLU6\)/,
    );
  });

  it('are leaves for symbolic_trace (one call_module each)', () => {
    class M extends nn.Module {
      block = new nni.ConvReLU2d(new nn.Conv2d(1, 2, 1), new nn.ReLU());
      forward(x: Tensor): Tensor {
        return this.block.forward(x);
      }
    }
    const gm = fx.symbolic_trace(new M());
    const mods = gm.graph.nodes.filter((n) => n.op === 'call_module').map((n) => n.target);
    expect(mods).toEqual(['block']);
  });

  it('keeps nn.intrinsic.quantized reachable beside the float modules', () => {
    expect(typeof nni.quantized.ConvReLU2d).toBe('function');
    expect(nni.quantized.ConvReLU2d).not.toBe(nni.ConvReLU2d);
    expect(typeof nni.quantized.dynamic.LinearReLU).toBe('function');
  });

  it('convert from a float ConvReLU2d: nn.intrinsic.quantized.ConvReLU2d.from_float reads part 0', () => {
    const conv = new nn.Conv2d(2, 3, 3, { padding: 1 }).eval();
    const bn = new nn.BatchNorm2d(3).eval();
    randomize_bn(bn, 6);
    const float = quantization.fuse_conv_bn_relu(false, conv, bn, new nn.ReLU().eval()) as InstanceType<
      typeof nni.ConvReLU2d
    >;
    expect(float).toBeInstanceOf(nni.ConvReLU2d);
    const x = randn([2, 2, 6, 6], { generator: new Generator(8) });
    const act = () => new quantization.MinMaxObserver({ dtype: 'quint8', qscheme: 'per_tensor_affine' });
    const obs = act();
    Object.assign(float, {
      qconfig: {
        activation: act,
        weight: () => new quantization.MinMaxObserver({ dtype: 'qint8', qscheme: 'per_tensor_symmetric' }),
      },
      activation_post_process: obs,
    });
    const y = no_grad(() => float.forward(x));
    obs.forward(y);
    const in_obs = act();
    in_obs.forward(x);
    const [s, z] = in_obs.calculate_qparams();
    const q = nni.quantized.ConvReLU2d.from_float(float);
    const out = q.forward(quantization.quantize_per_tensor(x, s.data[0], z.data[0], 'quint8')).dequantize();
    expect(max_abs_diff(out, y)).toBeLessThan(4 * q.scale);
  });
});
