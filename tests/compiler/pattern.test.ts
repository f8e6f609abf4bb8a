import { describe, expect, it } from 'vitest';
import create_resnet from '../../examples/models/fmnist_resnet.js';
import { add, F, fx, Generator, nn, randn, relu, type Tensor } from '../../index.js';

function bit_equal(a: Tensor, b: Tensor): boolean {
  return a.shape.join() === b.shape.join() && a.data.every((v, i) => Object.is(v, b.data[i]));
}

describe('pattern table (apply_rules)', () => {
  it('rewrites add → ReLU module pairs in FmnistResNet into one fused call, preserving outputs', () => {
    const model = create_resnet().eval();
    const gm = fx.symbolic_trace(model);
    const x = randn([2, 1, 28, 28], { generator: new Generator(3) });
    const before = gm.forward(x) as Tensor;
    const records = fx.apply_rules(gm, [
      {
        name: 'add_relu',
        pattern: [nn.ReLU, ['add', '*', '*']],
        // m.nodes is root first: [ReLU call, add]
        replace: (m, g) => g.graph.call_function('F.relu', [m.nodes[1]]),
      },
    ]);
    expect(records.map((r) => r.root)).toEqual(['layer1_relu2', 'layer2_relu2', 'layer3_relu2']);
    expect(records[0].nodes).toEqual(['layer1_relu2', 'add']);
    expect(gm.graph.find_nodes({ op: 'call_function', target: 'F.relu' })).toHaveLength(3);
    expect(gm.code).toContain('const relu = F.relu(add);');
    expect(bit_equal(gm.forward(x) as Tensor, before)).toBe(true);
  });

  it('requires interior nodes to have one user and never overlaps matches', () => {
    class M extends nn.Module {
      conv = new nn.Conv2d(1, 1, 1);
      act = new nn.ReLU();
      forward(x: Tensor): Tensor {
        const c = this.conv.forward(x);
        return add(this.act.forward(c), relu(relu(relu(c))));
      }
    }
    const gm = fx.symbolic_trace(new M());
    // conv has two users, so conv → ReLU is not a match
    expect(fx.find_matches(gm, fx.compile_pattern([nn.ReLU, nn.Conv2d]) as fx.PatternNode)).toEqual([]);
    // relu(relu(relu(c))): one match of relu(relu(·)) from the end; the first relu is left over
    const m = fx.find_matches(gm, fx.compile_pattern(['relu', 'relu']) as fx.PatternNode);
    expect(m.map((q) => q.nodes.map((n) => n.name))).toEqual([['relu_2', 'relu_1']]);
  });

  it('binds wildcards and checks constraints', () => {
    class M extends nn.Module {
      forward(x: Tensor): Tensor {
        return x.mul(2).add(x.mul(3));
      }
    }
    const gm = fx.symbolic_trace(new M());
    const pattern = fx.method_pattern('add', [
      fx.method_pattern('mul', [fx.any_input('a'), fx.any_input()]),
      fx.any_input(),
    ]);
    const [m] = fx.find_matches(gm, pattern);
    expect(m.named.get('a')).toBe(gm.graph.nodes[0]);
    expect(m.inputs.slice(0, 2)).toEqual([gm.graph.nodes[0], 2]);
    const rules: fx.RewriteRule[] = [{ name: 'never', pattern, constraint: () => false, replace: () => null }];
    expect(fx.apply_rules(gm, rules)).toEqual([]);
  });
});

describe('replace_pattern', () => {
  it('swaps every match of a traced pattern for a traced replacement', () => {
    class M extends nn.Module {
      forward(x: Tensor, y: Tensor): Tensor {
        const a = relu(add(x, y));
        return relu(add(a, x)).neg();
      }
    }
    const model = new M();
    const gm = fx.symbolic_trace(model);
    const matches = fx.replace_pattern(
      gm,
      (a: Tensor, b: Tensor) => relu(add(a, b)),
      (a: Tensor, b: Tensor) => F.relu(a.add(b)),
    );
    expect(matches).toHaveLength(2);
    expect(gm.graph.find_nodes({ op: 'call_function', target: 'relu' })).toHaveLength(0);
    expect(gm.graph.find_nodes({ op: 'call_function', target: 'F.relu' })).toHaveLength(2);
    const x = randn([3, 3]);
    const y = randn([3, 3]);
    expect(bit_equal(gm.forward(x, y) as Tensor, model.forward(x, y))).toBe(true);
    fx.lint(gm.graph, gm);
  });
});
