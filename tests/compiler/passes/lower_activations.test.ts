/**
 * Hardswish (own output observer → nn.quantized.Hardswish / quantized.hardswish) and Hardsigmoid (torch's fixed
 * qparams 1/256, 0 → quantized.hardsigmoid) through prepare_fx / convert_fx, as torch 1.13's qnnpack config.
 */
import { describe, expect, it } from 'vitest';
import type { Node } from '../../../compiler/ir/node.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { get_quantization_warnings, prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import * as F from '../../../runtime/nn/functional/index.js';
import { Hardsigmoid, Hardswish } from '../../../runtime/nn/layers/activation.js';
import { Linear } from '../../../runtime/nn/layers/linear.js';
import { Module } from '../../../runtime/nn/module.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { hardsigmoid, hardswish } from '../../../runtime/quantized/functional/activations.js';
import { Hardswish as QHardswish } from '../../../runtime/quantized/modules/activation.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { node_outputs } from '../../compiler/quantize_fx_helpers.js';

class Acts extends Module {
  fc1 = new Linear(8, 16);
  hs = new Hardswish();
  fc2 = new Linear(16, 16);
  hsig = new Hardsigmoid();
  fc3 = new Linear(16, 4);
  forward(x: Tensor): Tensor {
    const a = this.hs.forward(this.fc1.forward(x));
    const b = F.hardswish(this.fc2.forward(a));
    const c = F.hardsigmoid(this.hsig.forward(b));
    return this.fc3.forward(c);
  }
}

describe('hardswish / hardsigmoid in convert_fx', () => {
  manual_seed(21);
  const x = randn([6, 8]);
  const model = new Acts().eval();
  const prepared = prepare_fx(model, { '': get_default_qconfig('qnnpack') }, [x], null, { warn: false });
  for (let i = 0; i < 3; i++) prepared.forward(randn([6, 8]).mul(3));
  const q = convert_fx(prepared, { warn: false });

  it('lowers all four to int8 ops in one quantized region (no float fallback)', () => {
    expect(get_quantization_warnings(q)).toEqual([]);
    expect(q.get_submodule('hs')).toBeInstanceOf(QHardswish);
    const by = new Map(q.graph.nodes.map((n) => [n.name, n]));
    expect(by.get('hardswish')?.target).toBe('quantized.hardswish');
    expect(q.graph.nodes.filter((n) => n.target === 'quantized.hardsigmoid')).toHaveLength(2);
    expect(q.graph.nodes.filter((n) => n.target === 'quantize_per_tensor')).toHaveLength(1);
    expect(q.graph.nodes.filter((n) => n.target === 'dequantize')).toHaveLength(1);
  });

  it('each node output is the int8 op applied to its quantized input', () => {
    const outs = node_outputs(q, x);
    const arg0 = (name: string) => {
      const node = q.graph.nodes.find((n) => n.name === name) as Node;
      return outs.get((node.args[0] as Node).name) as Tensor;
    };
    const hs = q.get_submodule('hs') as QHardswish;
    const mine_hs = outs.get('hs') as Tensor;
    expect([...mine_hs.data]).toEqual([...hardswish(arg0('hs'), hs.scale, hs.zero_point).data]);
    expect([mine_hs.q_scale(), mine_hs.q_zero_point()]).toEqual([hs.scale, hs.zero_point]);
    const hsig = outs.get('hsig') as Tensor;
    expect([...hsig.data]).toEqual([...hardsigmoid(arg0('hsig')).data]);
    expect([hsig.q_scale(), hsig.q_zero_point()]).toEqual([1 / 256, 0]);
  });

  it('the int8 model is within a few output steps of the float model', () => {
    const xf = randn([6, 8]).mul(3);
    const yq = q.forward(xf) as Tensor;
    const yf = model.forward(xf);
    const step = (q.get_submodule('fc3') as unknown as { scale: number }).scale;
    let worst = 0;
    for (let i = 0; i < yf.numel(); i++) worst = Math.max(worst, Math.abs(yq.data[i] - yf.data[i]));
    expect(worst).toBeLessThan(8 * step);
  });
});
