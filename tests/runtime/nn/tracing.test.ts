import { describe, expect, it } from 'vitest';
import { F, fx, Generator, nn, randn, type Tensor } from '../../../index.js';

/** A model that uses F directly and a layer: F calls become call_function nodes, the layer a call_module. */
class Net extends nn.Module {
  conv = new nn.Conv2d(1, 2, 3, { padding: 1 });
  w = new nn.Parameter(randn([3, 2 * 4 * 4], { generator: new Generator(1) }));
  forward(x: Tensor): Tensor {
    const y = F.max_pool2d(F.relu(this.conv.forward(x)), 2);
    return F.log_softmax(F.linear(y.flatten(1), this.w), 1);
  }
}

describe('layers and F under symbolic tracing', () => {
  it('records F.* as call_function targets and built-in layers as call_module, and the GraphModule runs', () => {
    const net = new Net().eval();
    const gm = fx.symbolic_trace(net);
    const nodes = [...gm.graph.nodes].map((n) => [n.op, String(n.target)]);
    expect(nodes).toEqual(
      expect.arrayContaining([
        ['call_module', 'conv'],
        ['call_function', 'F.relu'],
        ['call_function', 'F.max_pool2d'],
        ['call_function', 'F.linear'],
        ['call_function', 'F.log_softmax'],
      ]),
    );
    const x = randn([2, 1, 8, 8], { generator: new Generator(2) });
    const want = net.forward(x);
    const got = gm.call(x) as Tensor;
    expect([...got.data]).toEqual([...want.data]);
  });
});
