import { describe, expect, it } from 'vitest';
import { fx, nn, randn, type Tensor } from '../../index.js';

/** A 20,000-node chain (the 100,000-node one runs in `npm run bench -- compiler`; times are never asserted). */
const NODES = 20_000;

function deep(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

describe('graphs at scale', () => {
  const model = new fx.SyntheticChain(NODES).eval();
  const gm = fx.symbolic_trace(model);

  it('traces, lints, round-trips through JSON and runs a 20,000-node chain (compiled in chunks)', () => {
    expect(gm.graph.length).toBe(NODES);
    gm.graph.lint(gm);
    const back = fx.GraphModule.from_json(JSON.parse(JSON.stringify(gm.to_json())), model);
    expect(back.graph.nodes.map((n) => n.name)).toEqual(gm.graph.nodes.map((n) => n.name));
    const x = randn([2, 8]);
    const want = model.forward(x);
    expect([...(back.forward(x) as Tensor).data]).toEqual([...want.data]);
    // an error deep in a chunk still names its node
    expect(() => back.forward(randn([2, 3]))).toThrow(/\[fxq node 'layers_0' of SyntheticChain/);
  });

  it('dead-code elimination and the cycle report stay iterative', () => {
    const g = new fx.Graph();
    let h = g.placeholder('x');
    for (let i = 0; i < NODES; i++) h = g.call_function('relu', [h]);
    g.output(g.placeholder('y')); // the whole relu chain is dead
    expect(g.eliminate_dead_code()).toBe(true);
    expect(g.length).toBe(3);
    // a cycle made by hand (a → b → a) is reported by name, over a long prefix
    const c = new fx.Graph();
    let v = c.placeholder('x');
    for (let i = 0; i < NODES; i++) v = c.call_function('relu', [v]);
    const a = c.call_function('add', [v, v]);
    const b = c.call_function('mul', [a, a]);
    a.args = [b, v];
    c.output(b);
    expect(() => c.lint()).toThrow(/graph has cycles through 2 node\(s\): add, mul/);
  });

  it('a 10,000-deep constant gives a clear error from from_json, lint and the tracer — never a RangeError', () => {
    const j = JSON.parse(JSON.stringify(gm.to_json())) as fx.GraphJson;
    const relu = j.nodes.findIndex((n) => n.op === 'call_method');
    j.nodes[relu].args.push(deep(10_000) as never);
    expect(() => fx.GraphModule.from_json(j, model)).toThrow(
      /nodes\[\d+\] \('relu'\)\.args\[1\](\[0\])+: constant nested deeper than 64 levels/,
    );
    const g = new fx.Graph();
    const x = g.placeholder('x');
    g.output(g.call_method('sub', [x, deep(10_000) as never]));
    expect(() => g.lint()).toThrow(/node 'sub' .*args\[1\](\[0\])+: constant nested deeper than 64 levels/);
    expect(() => g.lint()).not.toThrow(RangeError);
    class Deep extends nn.Module {
      forward(t: Tensor): Tensor {
        return t.sub(deep(10_000) as never);
      }
    }
    expect(() => fx.symbolic_trace(new Deep())).toThrow(/constant nested deeper than 64 levels/);
  });
});
