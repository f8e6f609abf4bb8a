import { describe, expect, it } from 'vitest';
import create_cnn from '../../examples/models/fmnist_cnn.js';
import create_lstm from '../../examples/models/fmnist_lstm.js';
import create_resnet from '../../examples/models/fmnist_resnet.js';
import { fx, nn, randn, type Tensor } from '../../index.js';

describe('GraphModule', () => {
  it('recompiles when the graph is edited or replaced', () => {
    const model = create_cnn().eval();
    const gm = fx.symbolic_trace(model);
    const relu3 = gm.graph.find_nodes({ op: 'call_module', target: 'relu3' })[0];
    // drop relu3: fc2 reads fc1 directly
    relu3.replace_all_uses_with(relu3.args[0] as fx.Node);
    gm.graph.erase_node(relu3);
    gm.recompile();
    expect(gm.code).toContain('const fc2 = this.fc2.forward(fc1);');
    model.relu3 = new nn.ReLU();
    model.relu3.forward = (t: Tensor) => t; // the eager twin of the edit
    const x = randn([1, 1, 28, 28]);
    expect([...(gm.forward(x) as Tensor).data]).toEqual([...model.forward(x).data]);
    const g = new fx.Graph();
    g.output(g.call_method('neg', [g.placeholder('x')]));
    gm.graph = g;
    expect([...(gm.forward(x) as Tensor).data]).toEqual([...x.neg().data]);
  });

  it('print_readable lists submodules and the code', () => {
    const text = fx.symbolic_trace(create_lstm()).print_readable(false);
    expect(text).toContain('// class FmnistLSTM extends GraphModule');
    expect(text).toMatch(/\/\/ {3}lstm: LSTM\(/);
    expect(text).toContain('export function forward(this: Self, x: Tensor)');
  });

  it('refuses targets that would overwrite its own members or walk prototypes', () => {
    const g = new fx.Graph();
    g.output(g.call_module('forward', [g.placeholder('x')]));
    expect(() => new fx.GraphModule({ forward: new nn.ReLU() }, g)).toThrow(
      /would overwrite GraphModule's own 'forward'/,
    );
    const g2 = new fx.Graph();
    g2.output(g2.get_attr('__proto__.polluted'));
    expect(() => new fx.GraphModule({ '__proto__.polluted': 1 }, g2)).toThrow(/not a dotted path of identifiers/);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('lint rejects a placeholder whose default is another node', () => {
    const g = new fx.Graph();
    const x = g.placeholder('x');
    g.placeholder('y', x);
    g.output(x);
    expect(() => fx.lint(g)).toThrow(/node 'y' .*default must be a constant/);
  });

  it('to_dot escapes labels and draws data-flow edges', async () => {
    class M extends nn.Module {
      forward(x: Tensor): Tensor {
        return x.to('float32"];evil[label="' as 'float32');
      }
    }
    const gm = fx.symbolic_trace(new M());
    const dot = gm.to_dot();
    expect(dot).toContain('"x" -> "to";');
    expect(dot.split('\n').filter((l) => l.includes('->'))).toHaveLength(2);
    // the crafted constant stays inside its label: Graphviz sees exactly three nodes
    const svg = await gm.to_svg();
    expect((svg.match(/<g id="node\d+" class="node">/g) ?? []).length).toBe(3);
    expect(svg).toContain('evil[label=');
  });
});

describe('snapshots of the example models (a refactor must show zero diff)', () => {
  for (const [name, create] of [
    ['FmnistCNN', create_cnn],
    ['FmnistResNet', create_resnet],
    ['FmnistLSTM', create_lstm],
  ] as const) {
    it(name, () => {
      const gm = fx.symbolic_trace(create());
      expect(gm.graph.print_tabular(false)).toMatchSnapshot();
      expect(gm.code).toMatchSnapshot();
    });
  }
});

describe('GraphModule submodule management', () => {
  it('add_submodule, delete_submodule and delete_all_unused_submodules', () => {
    const gm = fx.symbolic_trace(create_resnet());
    const add = gm.graph.find_nodes({ op: 'call_function', target: 'add' })[0];
    gm.add_submodule('extra.act', new nn.ReLU());
    const n = gm.graph.inserting_after(add, () => gm.graph.call_module('extra.act', [add]));
    add.replace_all_uses_with(n, (u) => u !== n);
    // the layer1 relu2 module is now unused once its node goes
    const relu2 = gm.graph.find_nodes({ op: 'call_module', target: 'layer1.relu2' })[0];
    relu2.replace_all_uses_with(n);
    gm.graph.erase_node(relu2);
    gm.recompile();
    gm.delete_all_unused_submodules();
    const names = [...gm.named_modules()].map(([p]) => p);
    expect(names).toContain('extra.act');
    expect(names).not.toContain('layer1.relu2');
    expect(names).toContain('layer2.downsample.0');
    expect(gm.delete_submodule('extra.act')).toBe(true);
    expect(gm.delete_submodule('extra.act')).toBe(false);
    expect(() => gm.add_submodule('code', new nn.ReLU())).toThrow(/would overwrite GraphModule's own 'code'/);
  });

  it('call_function accepts the registered function itself', async () => {
    const { F } = await import('../../index.js');
    const g = new fx.Graph();
    const r = g.call_function(F.relu, [g.placeholder('x')]);
    expect(r.target).toBe('F.relu');
    expect(() => g.call_function((x: number) => x, [])).toThrow(/is not a registered op/);
  });
});
