import { describe, expect, it } from 'vitest';
import create_cnn from '../../examples/models/fmnist_cnn.js';
import create_lstm from '../../examples/models/fmnist_lstm.js';
import create_resnet from '../../examples/models/fmnist_resnet.js';
import { fx, Generator, type nn, randn, type Tensor } from '../../index.js';

function bit_equal(a: Tensor, b: Tensor): boolean {
  return a.shape.join() === b.shape.join() && a.data.every((v, i) => Object.is(v, b.data[i]));
}

const models: [string, () => nn.Module][] = [
  ['FmnistCNN', create_cnn],
  ['FmnistResNet', create_resnet],
  ['FmnistLSTM', create_lstm],
];

describe('example models', () => {
  for (const [name, create] of models) {
    it(`${name}: GraphModule output equals eager bit for bit; Interpreter too`, () => {
      const model = create().eval();
      const gm = fx.symbolic_trace(model);
      fx.lint(gm.graph, gm);
      const gen = new Generator(11);
      for (let k = 0; k < 2; k++) {
        const x = randn([2, 1, 28, 28], { generator: gen });
        const eager = model.forward(x as never) as Tensor;
        expect(bit_equal(gm.forward(x) as Tensor, eager)).toBe(true);
        expect(bit_equal(new fx.Interpreter(gm).run(x) as Tensor, eager)).toBe(true);
      }
      expect(Object.keys(gm.state_dict())).toEqual(Object.keys(model.state_dict()));
    });
  }

  it('FmnistCNN graph and code read like the model', () => {
    const gm = fx.symbolic_trace(create_cnn());
    expect(gm.graph.nodes.map((n) => n.name)).toEqual([
      'x',
      'conv1',
      'bn1',
      'relu1',
      'pool1',
      'conv2',
      'bn2',
      'relu2',
      'pool2',
      'flatten',
      'fc1',
      'relu3',
      'fc2',
      'output',
    ]);
    expect(gm.code).toContain('const flatten = fxq.flatten(pool2, 1);');
    expect(gm.code).toContain('const fc2 = this.fc2.forward(relu3);');
    expect(gm.code).toContain('return fc2;');
  });

  it('FmnistResNet: nested blocks and Sequential downsample become qualified call_modules', () => {
    const gm = fx.symbolic_trace(create_resnet());
    const targets = gm.graph.find_nodes({ op: 'call_module' }).map((n) => n.target);
    expect(targets).toContain('layer2.downsample.0');
    expect(targets).toContain('layer3.relu2');
    expect(gm.code).toContain('const layer2_downsample_0 = this.layer2.downsample[0].forward(layer1_relu2);');
    expect(gm.code).toContain('const add_1 = fxq.add(layer2_bn2, layer2_downsample_1);');
    expect(gm.graph.find_nodes({ op: 'call_function', target: 'add' })).toHaveLength(3);
  });

  it('ShapeProp records shape and dtype on every tensor node', () => {
    const gm = fx.symbolic_trace(create_resnet().eval());
    new fx.ShapeProp(gm).propagate(randn([2, 1, 28, 28], { generator: new Generator(2) }));
    const by_name = new Map(gm.graph.nodes.map((n) => [n.name, n.meta]));
    expect(by_name.get('conv1')?.shape).toEqual([2, 16, 28, 28]);
    expect(by_name.get('layer3_relu2')?.shape).toEqual([2, 64, 7, 7]);
    expect(by_name.get('fc')?.shape).toEqual([2, 10]);
    expect(by_name.get('fc')?.dtype).toBe('float32');
    expect(gm.to_dot()).toContain('[2, 10] float32');
  });
});
