import { describe, expect, it } from 'vitest';
import { Graph, GraphLintError, lint, Namespace, type Node } from '../../compiler/index.js';
import '../../index.js';

function chain(): { g: Graph; x: Node; conv: Node; relu: Node; add: Node } {
  const g = new Graph();
  const x = g.placeholder('x');
  const conv = g.call_module('conv1', [x]);
  const relu = g.call_function('relu', [conv]);
  const add = g.call_function('add', [relu, x]);
  g.output(add);
  return { g, x, conv, relu, add };
}

describe('Namespace', () => {
  it('derives readable unique names and escapes reserved words and bad characters', () => {
    const ns = new Namespace();
    expect(ns.create_name('relu')).toBe('relu');
    expect(ns.create_name('relu')).toBe('relu_1');
    expect(ns.create_name('relu_1')).toBe('relu_2');
    expect(ns.create_name('class')).toBe('class_');
    expect(ns.create_name('this')).toBe('this_');
    expect(ns.create_name('a-b c')).toBe('a_b_c');
    expect(ns.create_name('0')).toBe('_0');
    expect(ns.create_name('F')).toBe('F_');
  });
});

describe('Graph and Node', () => {
  it('names nodes after their targets', () => {
    const g = new Graph();
    const x = g.placeholder('x');
    const a = g.call_module('layer1.conv1', [x]);
    const b = g.call_function('F.relu', [a]);
    const c = g.call_function('F.relu', [b]);
    const d = g.call_method('flatten', [c, 1]);
    const w = g.get_attr('fc.weight');
    expect([a, b, c, d, w].map((n) => n.name)).toEqual(['layer1_conv1', 'relu', 'relu_1', 'flatten', 'fc_weight']);
  });

  it('keeps users in sync when args are assigned', () => {
    const { x, conv, relu, add } = chain();
    expect([...x.users]).toEqual([conv, add]);
    add.args = [relu, relu];
    expect([...x.users]).toEqual([conv]);
    expect([...relu.users]).toEqual([add]);
    add.kwargs = { alpha: conv };
    expect(conv.users.has(add)).toBe(true);
    add.kwargs = {};
    expect(conv.users.has(add)).toBe(false);
  });

  it('replace_all_uses_with and replace_input_with re-link both sides', () => {
    const { g, x, conv, relu, add } = chain();
    const changed = relu.replace_all_uses_with(conv);
    expect(changed).toEqual([add]);
    expect(add.args[0]).toBe(conv);
    expect(relu.users.size).toBe(0);
    add.replace_input_with(x, conv);
    expect(add.args).toEqual([conv, conv]);
    expect(x.users.has(add)).toBe(false);
    g.erase_node(relu);
    lint(g);
  });

  it('erase_node refuses while users remain, naming them', () => {
    const { g, relu } = chain();
    expect(() => g.erase_node(relu)).toThrow(/node 'relu' still has 1 user\(s\): add/);
  });

  it('inserts at insertion points', () => {
    const { g, relu, add } = chain();
    const n = g.inserting_before(relu, () => g.call_method('clone', [relu.args[0]]));
    const m = g.inserting_after(add, () => g.call_method('neg', [add]));
    const names = g.nodes.map((q) => q.name);
    expect(names).toEqual(['x', 'conv1', n.name, 'relu', 'add', m.name, 'output']);
    // the insertion point is restored afterwards: new nodes go to the end again
    expect(g.nodes[g.length - 1].op).toBe('output');
  });

  it('eliminate_dead_code removes unused chains but keeps placeholders, output and impure nodes', () => {
    const g = new Graph();
    const x = g.placeholder('x');
    const unused_in = g.placeholder('y');
    const a = g.call_function('relu', [x]);
    g.call_method('neg', [g.call_method('abs', [a])]);
    const obs = g.call_module('obs', [a]);
    g.output(a);
    expect(g.eliminate_dead_code({ is_impure: (n) => n === obs })).toBe(true);
    expect(g.nodes.map((n) => n.name)).toEqual(['x', 'y', 'relu', 'obs', 'output']);
    expect(unused_in.users.size).toBe(0);
    expect(g.eliminate_dead_code({ is_impure: (n) => n === obs })).toBe(false);
  });

  it('prints nodes and a table', () => {
    const { g } = chain();
    expect(g.toString()).toContain('%relu : [num_users=1] = call_function[target=relu](args = (%conv1))');
    const table = g.print_tabular(false);
    expect(table.split('\n')[0]).toMatch(/^opcode\s+name\s+target\s+args\s+kwargs$/);
    expect(table).toMatch(/call_module\s+conv1\s+conv1\s+\(%x\)/);
  });
});

describe('lint', () => {
  it('accepts a well-formed graph', () => {
    expect(() => lint(chain().g)).not.toThrow();
    expect(() => chain().g.lint()).not.toThrow();
  });

  it('finds use-before-def and names the node', () => {
    const { relu, add } = chain();
    relu.prepend(add); // add now runs before relu, which it reads
    expect(() => lint(add.graph)).toThrow(/node 'add' \(#2, call_function\) uses 'relu' before it is defined/);
  });

  it('finds dangling users and duplicate names', () => {
    const { g, x, relu } = chain();
    x.users.add(relu); // hand corruption: relu does not read x
    relu.name = 'add';
    let err: GraphLintError | null = null;
    try {
      lint(g);
    } catch (e) {
      err = e as GraphLintError;
    }
    expect(err).toBeInstanceOf(GraphLintError);
    expect(err?.problems.join('\n')).toMatch(/node 'x' .* lists user 'add', which does not use it/);
    expect(err?.problems.join('\n')).toMatch(/node 'add' \(#3, call_function\): duplicate name/);
  });

  it('finds missing targets and bad names', () => {
    const { g, relu, conv } = chain();
    relu.target = 'no_such_op';
    conv.name = 'not valid';
    expect(() => lint(g)).toThrow(/node 'relu' .*'no_such_op' is not a registered function/);
    expect(() => lint(g)).toThrow(/node 'not valid' .* name is not a valid/);
  });

  it('checks call_module targets and arity against a root module', async () => {
    const { nn } = await import('../../index.js');
    const root = new nn.Module();
    root.add_module('conv1', new nn.ReLU());
    const { g, conv } = chain();
    expect(() => lint(g, root)).not.toThrow();
    conv.args = [];
    expect(() => lint(g, root)).toThrow(/node 'conv1' .*ReLU.forward takes 1 argument\(s\), the node passes 0/);
    conv.target = 'missing';
    expect(() => lint(g, root)).toThrow(/node 'conv1' .*has no submodule 'missing'/);
  });

  it('requires exactly one output, last', () => {
    const g = new Graph();
    g.call_function('relu', [g.placeholder('x')]);
    expect(() => lint(g)).toThrow(/0 output nodes/);
  });
});

describe('erase_node and insertion points', () => {
  it('moves an insertion point off an erased node and never reuses erased names', () => {
    const { g, relu, add } = chain();
    add.replace_input_with(relu, relu.args[0] as Node);
    g.inserting_before(relu, () => {
      g.erase_node(relu);
      const n = g.call_method('neg', [add.args[0] as Node]);
      expect(n.next).toBe(add); // inserted where relu was
    });
    expect(g.call_function('relu', [add]).name).toBe('relu_1');
  });
});
