import { describe, expect, it } from 'vitest';
import { F, fx, nn, randn, type Tensor } from '../../index.js';

class M extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor): Tensor[] {
    const h = F.relu(this.fc.forward(x));
    return [h.flatten(0), x.shape[0] as unknown as Tensor];
  }
}

describe('Interpreter', () => {
  it('runs node by node like the compiled forward', () => {
    const gm = fx.symbolic_trace(new M());
    const x = randn([2, 4]);
    const [a, n] = new fx.Interpreter(gm).run(x) as [Tensor, number];
    const [b, n2] = gm.forward(x) as [Tensor, number];
    expect(n).toBe(2);
    expect(n2).toBe(2);
    expect([...a.data]).toEqual([...b.data]);
  });

  it('lets subclasses override run_node and the per-op methods', () => {
    const gm = fx.symbolic_trace(new M());
    const seen: string[] = [];
    class Logging extends fx.Interpreter {
      run_node(node: fx.Node): unknown {
        seen.push(node.name);
        return super.run_node(node);
      }
      call_function(target: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
        // swap relu for neg: the override really takes effect
        if (target === 'F.relu') return (args[0] as Tensor).neg();
        return super.call_function(target, args, kwargs);
      }
    }
    const x = randn([2, 4]);
    const [out] = new Logging(gm).run(x) as [Tensor];
    expect(seen).toEqual(gm.graph.nodes.map((n) => n.name));
    const fc = (gm.get_submodule('fc') as nn.Linear).forward(x);
    expect([...out.data]).toEqual([...fc.neg().flatten(0).data]);
  });

  it('names the node when a run fails', () => {
    const gm = fx.symbolic_trace(new M());
    expect(() => new fx.Interpreter(gm).run(randn([2, 5]))).toThrow(/\[fxq node 'fc': /);
    expect(() => new fx.Interpreter(gm).run()).toThrow(/missing input 'x'/);
    expect(() => gm.forward()).toThrow(/^M.forward takes 1 input\(s\) \(x\), got 0$/);
    expect(() => gm.forward(randn([2, 4]), 1)).toThrow(/got 2/);
  });
});
