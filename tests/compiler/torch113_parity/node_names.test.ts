/**
 * torch 1.13 parity: converted-graph names. The qparam buffers of an observer are named by
 * get_module_path_and_prefix + get_new_attr_name_with_prefix (fx/convert.py, fx/utils.py): the scope (module
 * path) of the observed node — `block1_scale_0` for an add in block1's forward, `_scale_0` at the top level —
 * or, for a model input, its first user's scope + `_input`; and _lower_quantized_binary_op creates the int8 add
 * while the float `add` still exists, so it is `add_1`. Reference: torch 1.13's converted FmnistViT
 * (`_scale_0` after `flatten`, `blocks_0_scale_2`, `add_9 = torch.ops.quantized.add(...)`).
 */
import { describe, expect, it } from 'vitest';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { Linear } from '../../../runtime/nn/layers/linear.js';
import { AdaptiveAvgPool2d } from '../../../runtime/nn/layers/pooling.js';
import { Module } from '../../../runtime/nn/module.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { add } from '../../../runtime/tensor/index.js';
import { Generator } from '../../../runtime/tensor/random.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';

/** A MobileNet-style residual block: the add is called in the block's forward (scope 'block1'). */
class Block extends Module {
  conv = new Conv2d(4, 4, 3, { padding: 1 });
  forward(x: Tensor): Tensor {
    return add(this.conv.forward(x), x);
  }
}

class Net extends Module {
  stem = new Conv2d(1, 4, 3, { padding: 1 });
  block1 = new Block();
  block2 = new Block();
  pool = new AdaptiveAvgPool2d(1);
  fc = new Linear(4, 3);
  forward(x: Tensor): Tensor {
    const y = this.block2.forward(this.block1.forward(this.stem.forward(x)));
    return this.fc.forward(this.pool.forward(y).flatten(1));
  }
}

const sample = randn([2, 1, 6, 6], { generator: new Generator(2) });

function converted(): GraphModule {
  const p = prepare_fx(new Net().eval(), { '': get_default_qconfig('qnnpack') }, [sample], null, { warn: false });
  p.forward(sample);
  return convert_fx(p);
}

describe("torch 1.13's converted-graph names", () => {
  it('names qparam buffers after the observed node’s module scope, and the int8 adds add_2, add_3', () => {
    const q = converted();
    const names = q.graph.nodes.map((n) => n.name);
    expect(names).toEqual([
      'x',
      'stem_input_scale_0', // a model input: its first user's scope + '_input'
      'stem_input_zero_point_0',
      'quantize_per_tensor',
      'stem',
      'block1_conv',
      'block1_scale_0', // the add called in block1's forward
      'block1_zero_point_0',
      'add_2', // the float adds are add and add_1: torch creates the int8 ones beside them
      'block2_conv',
      'block2_scale_0',
      'block2_zero_point_0',
      'add_3',
      'pool',
      'dequantize_6',
      'flatten', // the float x.flatten(1), observed at the top level: `_scale_0`
      '_scale_0',
      '_zero_point_0',
      'quantize_per_tensor_7',
      'fc',
      'dequantize_8',
      'output',
    ]);
    const adds = q.graph.nodes.filter((n) => n.target === 'quantized.add');
    expect(adds.map((n) => (n.args.slice(2) as { target: string }[]).map((a) => a.target))).toEqual([
      ['block1_scale_0', 'block1_zero_point_0'],
      ['block2_scale_0', 'block2_zero_point_0'],
    ]);
    expect(Object.keys(q.state_dict())).toEqual(expect.arrayContaining(['_scale_0', 'block2_zero_point_0']));
  });
});
