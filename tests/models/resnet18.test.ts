import { describe, expect, it } from 'vitest';
import create from '../../examples/models/resnet18.js';
import { no_grad, randn, type Tensor } from '../../index.js';

describe('resnet18 (torchvision architecture, random weights)', () => {
  const model = create().eval();

  it("has torchvision's parameter count and state_dict layout", () => {
    let n = 0;
    for (const p of model.parameters()) n += p.numel();
    expect(n).toBe(11_689_512);
    const keys = Object.keys(model.state_dict());
    expect(keys.length).toBe(122);
    expect(keys.slice(0, 7)).toEqual([
      'conv1.weight',
      'bn1.weight',
      'bn1.bias',
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
      'layer1.0.conv1.weight',
    ]);
    expect(keys).toContain('layer4.0.downsample.0.weight');
    expect(keys).toContain('layer4.0.downsample.1.running_var');
    expect(keys).not.toContain('layer1.0.downsample.0.weight');
    expect(keys.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
  });

  it('maps an image batch to 1000 logits (small input: the net is fully convolutional up to avgpool)', () => {
    const y = no_grad(() => model.forward(randn([2, 3, 64, 64])) as Tensor);
    expect(y.shape).toEqual([2, 1000]);
    expect([...y.data].every(Number.isFinite)).toBe(true);
  });
});
