/** prepare_qat_fx: fake-quant modules in place of observers, trainable, then convert_fx to int8; preserved attributes. */
import { describe, expect, it } from 'vitest';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx, prepare_qat_fx } from '../../compiler/quantize_fx/prepare.js';
import { ReLU } from '../../runtime/nn/layers/activation.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Module } from '../../runtime/nn/module.js';
import { FakeQuantize } from '../../runtime/quant/fake_quantize.js';
import { get_default_qat_qconfig, get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { randn } from '../../runtime/tensor/creation.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

class MLP extends Module {
  fc1 = new Linear(6, 8);
  relu = new ReLU();
  fc2 = new Linear(8, 3);
  num_classes = 3;
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.relu.forward(this.fc1.forward(x)));
  }
}
const input = randn([5, 6]);

describe('prepare_qat_fx', () => {
  it('inserts FakeQuantize modules, trains through them (straight-through gradients) and converts to int8', () => {
    const prepared = prepare_qat_fx(new MLP().train(), { '': get_default_qat_qconfig('qnnpack') }, [input]);
    const fq = prepared.graph.nodes.filter((n) => n.target.startsWith('activation_post_process'));
    expect(fq.length).toBe(3);
    for (const n of fq) expect(prepared.get_submodule(n.target)).toBeInstanceOf(FakeQuantize);
    const out = prepared.forward(input) as Tensor;
    out.sum().backward();
    const w = (prepared.get_submodule('fc1') as unknown as { '0': Linear })['0'].weight;
    expect(w.grad).not.toBeNull();
    prepared.eval();
    const q = convert_fx(prepared);
    expect(q.get_submodule('fc1').constructor.name).toBe('LinearReLU');
    expect(typeof (q.get_submodule('fc2') as unknown as { weight: unknown }).weight).toBe('function');
    expect((q.forward(input) as Tensor).shape).toEqual([5, 3]);
  });

  it('prepare_qat_fx refuses an eval-mode model', () => {
    expect(() => prepare_qat_fx(new MLP().eval(), { '': get_default_qat_qconfig('qnnpack') }, [input])).toThrow(
      /train mode/,
    );
  });

  it('preserved_attributes are copied onto the prepared and converted models', () => {
    const prepared = prepare_fx(new MLP().eval(), { '': get_default_qconfig('qnnpack') }, [input], {
      preserved_attributes: ['num_classes'],
    });
    expect((prepared as unknown as { num_classes: number }).num_classes).toBe(3);
    prepared.forward(input);
    const q = convert_fx(prepared, { convert_custom_config: { preserved_attributes: ['num_classes'] } });
    expect((q as unknown as { num_classes: number }).num_classes).toBe(3);
  });
});
