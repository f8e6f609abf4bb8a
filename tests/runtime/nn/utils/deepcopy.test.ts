import { describe, expect, it } from 'vitest';
import { FmnistResNet } from '../../../../examples/models/fmnist_resnet.js';
import { Generator, nn, randn, type Tensor } from '../../../../index.js';
import { max_abs_diff, randomize_bn } from './_helpers.js';

const { deepcopy } = nn.utils;

describe('deepcopy (modules)', () => {
  it('copies a whole model: same classes, same state_dict values, new storage, same outputs', () => {
    const m = new FmnistResNet().eval();
    randomize_bn(m.bn1, 3);
    const c = deepcopy(m);
    expect(c).toBeInstanceOf(FmnistResNet);
    expect(c).not.toBe(m);
    expect(c.layer2.downsample).toBeInstanceOf(nn.Sequential);
    expect(c.training).toBe(false);
    const a = m.state_dict();
    const b = c.state_dict();
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const k of Object.keys(a)) {
      expect(b[k], k).not.toBe(a[k]);
      expect(b[k].data).not.toBe(a[k].data);
      expect([...b[k].data], k).toEqual([...a[k].data]);
      expect(b[k].constructor).toBe(a[k].constructor);
      expect(b[k].requires_grad).toBe(a[k].requires_grad);
    }
    const x = randn([2, 1, 28, 28], { generator: new Generator(0) });
    expect(max_abs_diff(c.forward(x), m.forward(x))).toBe(0);
    // independent: changing the copy leaves the original alone
    c.conv1.weight.data.fill(0);
    expect(m.conv1.weight.data.some((v) => v !== 0)).toBe(true);
    c.train();
    expect(m.training).toBe(false);
  });

  it('keeps shared objects shared (a module used twice, tied weights, a view)', () => {
    class Tied extends nn.Module {
      a = new nn.Linear(3, 3);
      b: nn.Linear;
      again: nn.Linear;
      view: Tensor;
      constructor() {
        super();
        this.b = new nn.Linear(3, 3);
        this.b.weight = this.a.weight;
        this.again = this.a;
        this.view = this.a.weight.reshape([9]);
      }
    }
    const c = deepcopy(new Tied());
    expect(c.again).toBe(c.a);
    expect(c.b.weight).toBe(c.a.weight);
    expect(c.view.data).toBe(c.a.weight.data); // storage memo: a view still aliases its base
    expect([...c.named_parameters()].map(([k]) => k)).toEqual(['a.weight', 'a.bias', 'b.bias']);
  });

  it('copies buffer registration (persistent and not) and drops autograd history', () => {
    const bn = new nn.BatchNorm2d(2);
    bn.register_buffer('scratch', randn([2]), false);
    const c = deepcopy(bn);
    expect(Object.keys(c.state_dict())).toEqual(Object.keys(bn.state_dict()));
    expect([...c.named_buffers()].map(([k]) => k)).toEqual([
      'running_mean',
      'running_var',
      'num_batches_tracked',
      'scratch',
    ]);
    const lin = new nn.Linear(2, 2);
    const y = lin.forward(randn([1, 2]));
    expect(y.grad_fn).not.toBeNull();
    const holder = deepcopy({ y });
    expect(holder.y.grad_fn).toBeNull();
    expect([...holder.y.data]).toEqual([...y.data]);
  });
});
