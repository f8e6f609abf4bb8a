/** cat shares one observer across its inputs and its output (torch 1.13), so quantized.cat never requantizes. */
import { describe, expect, it } from 'vitest';
import { is_observer_node } from '../../../compiler/passes/insert_observers.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx, prepare_qat_fx } from '../../../compiler/quantize_fx/prepare.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { Module } from '../../../runtime/nn/module.js';
import { get_default_qat_qconfig, get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { cat } from '../../../runtime/tensor/index.js';
import { Generator } from '../../../runtime/tensor/random.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';

class TwoConvCat extends Module {
  conv1 = new Conv2d(1, 2, 3, { padding: 1 });
  conv2 = new Conv2d(1, 3, 3, { padding: 1 });
  forward(x: Tensor): Tensor {
    return cat([this.conv1.forward(x), this.conv2.forward(x)], 1);
  }
}

const gen = new Generator(3);
const x = randn([4, 1, 6, 6], { generator: gen });

function prepared_model() {
  const model = new TwoConvCat().eval();
  // conv2's outputs span a wider range than conv1's: separate observers would give different qparams
  for (const v of model.conv2.weight.data.keys()) (model.conv2.weight.data as Float32Array)[v] *= 4;
  return prepare_fx(model, { '': get_default_qconfig('qnnpack') }, [x]);
}

describe('cat: inputs and output share the first input observer', () => {
  it('prepare: both conv outputs and the cat output call one observer module', () => {
    const gm = prepared_model();
    gm.graph.lint(gm);
    const node = gm.graph.nodes.find((n) => n.target === 'cat');
    if (!node) throw new Error('no cat node');
    const ins = node.args[0] as { target: string }[];
    expect(ins.every((a) => is_observer_node(gm, a))).toBe(true);
    const [out] = node.users;
    expect(is_observer_node(gm, out)).toBe(true);
    const targets = new Set([...ins.map((a) => a.target), out.target]);
    expect(targets.size).toBe(1);
    // the merged observer modules are gone: input observer, conv outputs/cat share one
    const observers = [...gm.named_modules()].filter(([p]) => p.startsWith('activation_post_process_'));
    expect(observers).toHaveLength(2);
  });

  it('convert: conv1, conv2 and quantized.cat have the same qparams, and int8 = reference', () => {
    const gm = prepared_model();
    gm.forward(x);
    const ref = convert_fx(gm, { is_reference: true }).forward(x) as Tensor;
    const q = convert_fx(gm);
    q.graph.lint(q);
    const c1 = q.get_submodule('conv1') as unknown as { scale: number; zero_point: number };
    const c2 = q.get_submodule('conv2') as unknown as { scale: number; zero_point: number };
    const catn = q.graph.nodes.find((n) => n.target === 'quantized.cat');
    if (!catn) throw new Error(`no quantized.cat in\n${q.code}`);
    expect(catn.name).toBe('cat'); // keeps the float node's name
    // torch 1.13 lowers cat in place: `torch.cat([q1, q2], dim)` on the quantized tensors, no qparam arguments or
    // buffers (its golden ViT graph: `cat = torch.cat([quantize_per_tensor_4, transpose], dim = 1)`); the output
    // takes the first input's qparams
    expect(catn.args).toHaveLength(2);
    expect(Object.keys(q.state_dict()).filter((k) => k.startsWith('_scale') || k.startsWith('_zero_point'))).toEqual(
      [],
    );
    const qp = catn.meta.qparams as { scale: number; zero_point: number };
    expect([c2.scale, c2.zero_point]).toEqual([c1.scale, c1.zero_point]);
    expect(Math.fround(qp.scale)).toBe(Math.fround(c1.scale));
    expect(qp.zero_point).toBe(c1.zero_point);
    // int8 cat without requantization = the reference model (float ops between quantize/dequantize) within a step
    const out = q.forward(x) as Tensor;
    let worst = 0;
    for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(ref.data[i] - out.data[i]));
    expect(worst).toBeLessThanOrEqual(1.01 * c1.scale);
  });

  it('QAT: the cat inputs and output share one fake-quant module', () => {
    const gm = prepare_qat_fx(new TwoConvCat().train(), { '': get_default_qat_qconfig('qnnpack') }, [x]);
    gm.graph.lint(gm);
    const node = gm.graph.nodes.find((n) => n.target === 'cat');
    if (!node) throw new Error('no cat node');
    const [out] = node.users;
    const targets = new Set([...(node.args[0] as { target: string }[]).map((a) => a.target), out.target]);
    expect(targets.size).toBe(1);
    expect(gm.get_submodule(out.target).constructor.name).toBe('FakeQuantize');
    expect((gm.forward(x) as Tensor).shape).toEqual([4, 5, 6, 6]);
  });
});
