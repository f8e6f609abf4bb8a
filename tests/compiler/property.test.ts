import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fx, nn, type Tensor, tensor } from '../../index.js';

/** A random straight-line program over two inputs: each step applies an op to earlier values. */
const program = fc.array(
  fc.record({
    op: fc.constantFrom('add', 'mul', 'relu', 'neg_method', 'sub_alpha'),
    a: fc.nat(),
    b: fc.nat(),
  }),
  { minLength: 1, maxLength: 25 },
);

function build(steps: { op: string; a: number; b: number }[]): fx.Graph {
  const g = new fx.Graph();
  const vals: fx.Node[] = [g.placeholder('x'), g.placeholder('y')];
  for (const s of steps) {
    const a = vals[s.a % vals.length];
    const b = vals[s.b % vals.length];
    if (s.op === 'add' || s.op === 'mul') vals.push(g.call_function(s.op, [a, b]));
    else if (s.op === 'relu') vals.push(g.call_function('F.relu', [a]));
    else if (s.op === 'neg_method') vals.push(g.call_method('neg', [a]));
    else vals.push(g.call_method('sub', [a, b, { alpha: 0.5 }]));
  }
  g.output([vals[vals.length - 1], vals[Math.floor(vals.length / 2)]]);
  return g;
}

const x = tensor([1.5, -2, 0.25, 3], { shape: [2, 2] });
const y = tensor([-0.5, 4, 1, -1], { shape: [2, 2] });
const data = (v: unknown) => (v as Tensor[]).map((t) => [...t.data]);

describe('graph properties (fast-check)', () => {
  it('compiled forward = Interpreter, and JSON round-trips to the same code', () => {
    fc.assert(
      fc.property(program, (steps) => {
        const g = build(steps);
        g.lint();
        const gm = new fx.GraphModule(new nn.Module(), g);
        const out = gm.forward(x, y);
        expect(data(out)).toEqual(data(new fx.Interpreter(gm).run(x, y)));
        const back = fx.GraphModule.from_json(JSON.parse(JSON.stringify(gm.to_json())), gm);
        expect(back.graph.toString()).toBe(gm.graph.toString());
        expect(data(back.forward(x, y))).toEqual(data(out));
      }),
      { numRuns: 60 },
    );
  });

  it('edits (replace uses, dead-code elimination) keep the graph lint-clean and values unchanged', () => {
    fc.assert(
      fc.property(program, fc.nat(), (steps, pick) => {
        const g = build(steps);
        const gm = new fx.GraphModule(new nn.Module(), g);
        const before = data(gm.forward(x, y));
        // duplicate a random op node and move every use onto the copy: same values, new structure
        const ops = g.nodes.filter((n) => n.op === 'call_function' || n.op === 'call_method');
        const target = ops[pick % ops.length];
        const copy = g.inserting_after(target, () => g.node_copy(target, (n) => n));
        target.replace_all_uses_with(copy, (u) => u !== copy);
        expect(target.users.size).toBe(0);
        g.eliminate_dead_code();
        g.lint();
        expect(g.nodes.includes(target)).toBe(false);
        gm.recompile();
        expect(data(gm.forward(x, y))).toEqual(before);
      }),
      { numRuns: 60 },
    );
  });
});
