/**
 * nn.Sequential models: torch names the qparam buffers of the first layer after its path, `0_input_scale_0`, a name
 * that starts with a digit. convert_fx, the generated code, state_dict and save → load must all take it.
 */
import { describe, expect, it } from 'vitest';
import { load_quantized, serialize_quantized } from '../../browser.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { GELU, ReLU, Sequential } from '../../runtime/nn/index.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { randn } from '../../runtime/tensor/creation.js';
import { Generator } from '../../runtime/tensor/random.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

const x = randn([2, 1, 6, 6], { generator: new Generator(5) });

function converted(model: Sequential) {
  const prepared = prepare_fx(model.eval(), { '': get_default_qconfig('qnnpack') }, [x]);
  prepared.forward(x);
  return { ref: convert_fx(prepared, { is_reference: true }), q: convert_fx(prepared) };
}

describe('nn.Sequential through FX PTQ', () => {
  it('Sequential(Conv2d, ReLU): torch’s buffer names, this["0_input_scale_0"] in the code, ≈ the reference model', () => {
    const { ref, q } = converted(new Sequential(new Conv2d(1, 2, 3), new ReLU()));
    expect(Object.keys(q.state_dict())).toEqual(expect.arrayContaining(['0_input_scale_0', '0_input_zero_point_0']));
    expect(q.code).toContain('this["0_input_scale_0"]');
    const a = ref.forward(x) as Tensor;
    const b = q.forward(x) as Tensor;
    const step = (q.get_submodule('0') as unknown as { scale: number }).scale;
    for (let i = 0; i < a.data.length; i++) expect(Math.abs(a.data[i] - b.data[i])).toBeLessThanOrEqual(step + 1e-6);
  });

  it('save → load keeps the digit-led buffers and the outputs bit for bit', () => {
    for (const m of [
      new Sequential(new Conv2d(1, 2, 3), new ReLU()),
      new Sequential(new GELU(), new Conv2d(1, 2, 3)),
    ]) {
      const { q } = converted(m);
      const back = load_quantized(serialize_quantized(q));
      expect(Object.keys(back.state_dict()).sort()).toEqual(Object.keys(q.state_dict()).sort());
      expect(Array.from((back.forward(x) as Tensor).data)).toEqual(Array.from((q.forward(x) as Tensor).data));
    }
  });
});
