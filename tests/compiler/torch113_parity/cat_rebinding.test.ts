/**
 * torch 1.13 parity: at a cat, prepare's maybe_make_input_output_share_observers (fx/prepare.py) rebinds the
 * observer *node* of each input after the first (`setattr(modules[parent_name], name, obs_mod_to_use)` on that
 * node's target) and the output's to the first input's observer. A ReLU6 output observer that shares its conv's
 * observer is rebound alone: the conv keeps its own observer, and quantized.cat requantizes that input.
 */
import { describe, expect, it } from 'vitest';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import type { Node } from '../../../compiler/ir/node.js';
import { is_observer_node } from '../../../compiler/passes/insert_observers.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx, prepare_qat_fx } from '../../../compiler/quantize_fx/prepare.js';
import { ReLU, ReLU6 } from '../../../runtime/nn/layers/activation.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { Module } from '../../../runtime/nn/module.js';
import type { ObserverBase } from '../../../runtime/quant/observer_base.js';
import { get_default_qat_qconfig, get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { dequantize, quantize_per_tensor } from '../../../runtime/quant/qtensor.js';
import { relu6 as qrelu6 } from '../../../runtime/quantized/functional/activations.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { cat } from '../../../runtime/tensor/index.js';
import { Generator } from '../../../runtime/tensor/random.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';

/** The two-branch cat: conv + ReLU (fused) and conv + ReLU6 (ReLU6 shares the conv's observer). */
class TwoBranchCat extends Module {
  conv1 = new Conv2d(2, 3, 3, { padding: 1 });
  relu = new ReLU();
  conv2 = new Conv2d(2, 3, 3, { padding: 1 });
  relu6 = new ReLU6();
  forward(x: Tensor): Tensor {
    return cat([this.relu.forward(this.conv1.forward(x)), this.relu6.forward(this.conv2.forward(x))], 1);
  }
}

const x = randn([4, 2, 6, 6], { generator: new Generator(11) });
const obs_target = (gm: GraphModule, name: string): string => {
  const n = gm.graph.nodes.find((m) => m.op === 'call_module' && (m.args[0] as Node | undefined)?.name === name);
  if (!n || !is_observer_node(gm, n)) throw new Error(`no observer after '${name}' in\n${gm.code}`);
  return n.target;
};

function prepared(): GraphModule {
  const m = new TwoBranchCat().eval();
  // conv2 spans negative values well below 0: its own observer differs from the clamped ReLU6 output's
  for (let i = 0; i < m.conv2.weight.data.length; i++) (m.conv2.weight.data as Float32Array)[i] *= 3;
  const p = prepare_fx(m, { '': get_default_qconfig('qnnpack') }, [x], null, { warn: false });
  p.forward(x);
  return p;
}

describe('torch 1.13: cat rebinds its input observer nodes, not every node of the shared observer', () => {
  it('prepare: the ReLU6 output joins the cat group; conv2 keeps its own observer', () => {
    const p = prepared();
    const group = obs_target(p, 'conv1'); // conv1 → relu fused into ConvReLU2d: its output observer is the first input's
    expect(obs_target(p, 'relu6')).toBe(group);
    expect(obs_target(p, 'cat')).toBe(group);
    const own = obs_target(p, 'conv2');
    expect(own).not.toBe(group);
    const obs = (t: string) => p.get_submodule(t) as unknown as ObserverBase & { min_val: Tensor };
    // conv2's observer saw its negative outputs; the group saw only ReLU / ReLU6 outputs (≥ 0)
    expect(obs(own).min_val.data[0]).toBeLessThan(0);
    expect(obs(group).min_val.data[0]).toBe(0);
  });

  it('convert: conv2 at its own qparams, relu6 keeps them, quantized.cat requantizes that input', () => {
    const p = prepared();
    const [s2, z2] = (p.get_submodule(obs_target(p, 'conv2')) as unknown as ObserverBase).calculate_qparams();
    const [sg, zg] = (p.get_submodule(obs_target(p, 'conv1')) as unknown as ObserverBase).calculate_qparams();
    const q = convert_fx(p);
    const c2 = q.get_submodule('conv2') as unknown as { scale: number; zero_point: number };
    const c1 = q.get_submodule('conv1') as unknown as { scale: number; zero_point: number };
    expect([Math.fround(c2.scale), c2.zero_point]).toEqual([s2.data[0], z2.data[0]]);
    expect([Math.fround(c1.scale), c1.zero_point]).toEqual([sg.data[0], zg.data[0]]);
    expect(c2.zero_point).toBeGreaterThan(0); // conv2's range reaches below 0
    // the cat group saw only ReLU / ReLU6 outputs: zero point 0, all 256 levels for values ≥ 0 (the 92–255)
    expect(zg.data[0]).toBe(0);
    expect(Number((q as unknown as Record<string, Tensor>).cat_zero_point_0.data[0])).toBe(0);
    const catn = q.graph.nodes.find((n) => n.target === 'quantized.cat');
    if (!catn) throw new Error(`no quantized.cat in\n${q.code}`);
    const ins = catn.args[0] as Node[];
    expect(ins.map((n) => n.name)).toEqual(['conv1', 'relu6']); // no dequantize / quantize between
    // bit for bit: the ReLU6 branch requantized from conv2's qparams to the group's, as torch's qcat
    const run = (name: string, t: Tensor) => (q.get_submodule(name) as unknown as Fwd).forward(t);
    const xq = quantize_per_tensor(x, ...in_qparams(q));
    const a = run('conv1', xq);
    const b6 = qrelu6(run('conv2', xq));
    const b = quantize_per_tensor(dequantize(b6), sg.data[0], zg.data[0], 'quint8');
    const want = dequantize(cat([a, b], 1));
    expect([...(q.forward(x) as Tensor).data]).toEqual([...want.data]);
  });

  it('QAT: the same rebinding with fake-quant modules', () => {
    const m = new TwoBranchCat().train();
    const p = prepare_qat_fx(m, { '': get_default_qat_qconfig('qnnpack') }, [x], null, { warn: false });
    const group = obs_target(p, 'conv1');
    expect(obs_target(p, 'relu6')).toBe(group);
    expect(obs_target(p, 'conv2')).not.toBe(group);
  });
});

type Fwd = { forward(t: Tensor): Tensor };

function in_qparams(q: GraphModule): [number, number, 'quint8'] {
  const t = q as unknown as Record<string, Tensor>;
  return [t.conv1_input_scale_0.data[0], t.conv1_input_zero_point_0.data[0], 'quint8'];
}
