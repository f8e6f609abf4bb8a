/**
 * The sensitivity guide's loop, as written: `{ '': null, module_name: [[name, qconfig]] }` quantizes only
 * that module (or block), with quantize_per_tensor before it and dequantize after; the rest stays float.
 */
import { describe, expect, it } from 'vitest';
import type { Node } from '../../compiler/ir/node.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { FmnistResNet, load_weights } from '../../examples/models/fmnist_resnet.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { calibrate, calibration_images, load_golden } from './quantize_fx_helpers.js';

const model = load_weights(new FmnistResNet()).eval();
const images = calibration_images(50);
const x = load_golden('fmnist_resnet_ptq').t['input/x_fp32'];
const qconfig = get_default_qconfig('qnnpack');
const INT8 = /^(Conv2d|ConvReLU2d|Linear|LinearReLU)$/;
const is_int8_module = (m: object) =>
  INT8.test(m.constructor.name) && typeof (m as { weight?: unknown }).weight === 'function';

function quantize_only(name: string) {
  const prepared = prepare_fx(model, { '': null, module_name: [[name, qconfig]] }, [x]);
  calibrate(prepared, images);
  return convert_fx(prepared);
}

describe('one module at a time (module_name qconfig, global null)', () => {
  for (const name of ['conv1', 'layer1.conv2', 'layer2.downsample.0', 'fc']) {
    it(`${name}: quantize_per_tensor → ${name} → dequantize, every other module float`, () => {
      const q = quantize_only(name);
      const node = q.graph.nodes.find((n) => n.op === 'call_module' && n.target === name) as Node;
      expect(is_int8_module(q.get_submodule(name))).toBe(true);
      const input = node.args[0] as Node;
      expect(input.target).toBe('quantize_per_tensor');
      expect([...node.users].map((u) => u.target)).toEqual(['dequantize']);
      const others = q.graph.nodes.filter((n) => n.op === 'call_module' && n.target !== name);
      for (const o of others) expect(is_int8_module(q.get_submodule(o.target)), o.target).toBe(false);
      expect(q.graph.nodes.filter((n) => n.target === 'quantize_per_tensor')).toHaveLength(1);
      // the model still classifies like the float one
      const out = q.forward(x) as Tensor;
      const ref = model.forward(x) as Tensor;
      let max = 0;
      for (let i = 0; i < ref.data.length; i++) max = Math.max(max, Math.abs(out.data[i] - ref.data[i]));
      expect(max).toBeLessThan(0.5);
    });
  }

  it('a block (layer2): its convs, add_relu and only those are int8, the add inside it included', () => {
    const q = quantize_only('layer2');
    const int8 = q.graph.nodes
      .filter((n) => n.op === 'call_module' && is_int8_module(q.get_submodule(n.target)))
      .map((n) => n.target);
    expect(int8.sort()).toEqual(['layer2.conv1', 'layer2.conv2', 'layer2.downsample.0']);
    const add = q.graph.nodes.find((n) => n.target === 'quantized.add_relu') as Node;
    expect(add).toBeDefined();
    expect([...add.users].map((u) => u.target)).toEqual(['dequantize']);
    expect(q.graph.nodes.filter((n) => n.target === 'add')).toHaveLength(2); // layer1's and layer3's stay float
  });
});
