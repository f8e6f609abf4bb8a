import { describe, expect, it } from 'vitest';
import { F, fx, nn, randn, type Tensor } from '../../index.js';

/** Reads fc's weight before calling fc: the GraphModule must still own the real fc (torch.fx overwrites the empty parent). */
class WeightFirst extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor): Tensor {
    return F.linear(x, this.fc.weight).add(this.fc.forward(x));
  }
}

class Nested extends nn.Module {
  block = new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU());
  forward(x: Tensor): Tensor {
    const w = (this.block.at(0) as nn.Linear).weight;
    return F.linear(x, w).add(this.block.forward(x));
  }
}

describe('GraphModule copies a submodule whose parameter the graph read first', () => {
  it('F.linear(x, this.fc.weight) then this.fc.forward(x) traces into a working GraphModule', () => {
    const model = new WeightFirst().eval();
    const gm = fx.symbolic_trace(model);
    const ops = gm.graph.nodes.map((n) => `${n.op}:${n.target}`);
    expect(ops.indexOf('get_attr:fc.weight')).toBeLessThan(ops.indexOf('call_module:fc'));
    expect(gm.get_submodule('fc')).toBe(model.fc);
    const x = randn([2, 4]);
    expect([...(gm.forward(x) as Tensor).data]).toEqual([...model.forward(x).data]);
  });

  it('also when the leaf sits under a traced-through container', () => {
    const model = new Nested().eval();
    const gm = fx.symbolic_trace(model);
    expect(gm.get_submodule('block.0')).toBe(model.block.at(0));
    const x = randn([3, 4]);
    expect([...(gm.forward(x) as Tensor).data]).toEqual([...model.forward(x).data]);
  });
});
