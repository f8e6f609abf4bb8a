import { describe, expect, it } from 'vitest';
import { fuse } from '../../../compiler/passes/fuse.js';
import { FmnistCNN, load_weights as load_cnn } from '../../../examples/models/fmnist_cnn.js';
import { FmnistResNet, load_weights as load_resnet } from '../../../examples/models/fmnist_resnet.js';
import { F, fx, Generator, nn, quantize_fx, randn, relu, type Tensor } from '../../../index.js';
import { max_abs_diff } from '../../runtime/nn/utils/_helpers.js';

const nni = nn.intrinsic;

/** "name (ModuleClass)" for call_module nodes, the target otherwise; placeholders and output as their names. */
function sequence(gm: fx.GraphModule): string[] {
  return gm.graph.nodes.map((n) =>
    n.op === 'call_module' ? `${n.name} (${gm.get_submodule(n.target).constructor.name})` : n.name,
  );
}

function submodule_names(gm: fx.GraphModule): string[] {
  return [...gm.named_modules()].map(([p]) => p).filter((p) => p !== '');
}

describe('fuse_fx on the example models (eval: BatchNorm folded)', () => {
  const x = randn([3, 1, 28, 28], { generator: new Generator(5) });

  it('FmnistCNN: conv1/conv2 → ConvReLU2d, fc1 → LinearReLU; output within 1e-5', () => {
    const model = load_cnn(new FmnistCNN()).eval();
    const want = model.forward(x);
    const gm = quantize_fx.fuse_fx(model);
    expect(sequence(gm)).toEqual([
      'x',
      'conv1 (ConvReLU2d)',
      'pool1 (MaxPool2d)',
      'conv2 (ConvReLU2d)',
      'pool2 (MaxPool2d)',
      'flatten',
      'fc1 (LinearReLU)',
      'fc2 (Linear)',
      'output',
    ]);
    expect(submodule_names(gm).filter((p) => !p.includes('.'))).toEqual([
      'conv1',
      'pool1',
      'conv2',
      'pool2',
      'fc1',
      'fc2',
    ]);
    const conv1 = gm.get_submodule('conv1') as nn.Sequential;
    expect(conv1.at(0)).not.toBe(model.conv1); // a folded copy
    expect(max_abs_diff(gm.forward(x) as Tensor, want)).toBeLessThan(1e-5);
    // the model itself is untouched
    expect(model.bn1).toBeInstanceOf(nn.BatchNorm2d);
    expect(max_abs_diff(model.forward(x), want)).toBe(0);
  });

  it('FmnistResNet: every conv-bn(-relu) fuses, add → relu2 stays; output within 1e-5', () => {
    const model = load_resnet(new FmnistResNet()).eval();
    const want = model.forward(x);
    const gm = quantize_fx.fuse_fx(model);
    expect(sequence(gm)).toEqual([
      'x',
      'conv1 (ConvReLU2d)',
      'layer1_conv1 (ConvReLU2d)',
      'layer1_conv2 (Conv2d)',
      'add',
      'layer1_relu2 (ReLU)',
      'layer2_conv1 (ConvReLU2d)',
      'layer2_conv2 (Conv2d)',
      'layer2_downsample_0 (Conv2d)',
      'add_1',
      'layer2_relu2 (ReLU)',
      'layer3_conv1 (ConvReLU2d)',
      'layer3_conv2 (Conv2d)',
      'layer3_downsample_0 (Conv2d)',
      'add_2',
      'layer3_relu2 (ReLU)',
      'avgpool (AdaptiveAvgPool2d)',
      'flatten',
      'fc (Linear)',
      'output',
    ]);
    const names = submodule_names(gm);
    for (const gone of ['bn1', 'relu1', 'layer1.bn1', 'layer1.bn2', 'layer2.downsample.1'])
      expect(names).not.toContain(gone);
    expect(max_abs_diff(gm.forward(x) as Tensor, want)).toBeLessThan(1e-5);
  });

  it('train mode keeps BatchNorm live: ConvBnReLU2d / ConvBn2d (QAT fusion)', () => {
    const model = load_resnet(new FmnistResNet()).train();
    const gm = quantize_fx.fuse_fx(model);
    expect(gm.get_submodule('conv1')).toBeInstanceOf(nni.ConvBnReLU2d);
    expect(gm.get_submodule('layer1.conv2')).toBeInstanceOf(nni.ConvBn2d);
    expect(gm.get_submodule('layer2.downsample.0')).toBeInstanceOf(nni.ConvBn2d);
    // the live BN is the model's own module (its running stats keep training)
    expect((gm.get_submodule('conv1') as nn.Sequential).at(1)).toBe(model.bn1);
  });
});

class Head extends nn.Module {
  conv = new nn.Conv2d(2, 3, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(3);
  fc = new nn.Linear(3, 4);
  bn1d = new nn.BatchNorm1d(4);
  constructor(private readonly act: (t: Tensor) => Tensor) {
    super();
  }
  forward(t: Tensor): Tensor {
    const y = this.act(this.conv.forward(t)).mean([2, 3]);
    return this.act(this.bn1d.forward(this.fc.forward(y)));
  }
}

describe('fuse pass: spellings and constraints', () => {
  const t = randn([2, 2, 5, 5], { generator: new Generator(9) });

  for (const [label, act] of [
    ['F.relu', (v: Tensor) => F.relu(v)],
    ['relu()', (v: Tensor) => relu(v)],
    ['x.relu()', (v: Tensor) => v.relu()],
  ] as const) {
    it(`functional ReLU (${label}) fuses into ConvReLU2d; Linear → BatchNorm1d folds`, () => {
      const model = new Head(act).eval();
      const want = model.forward(t);
      const gm = quantize_fx.fuse_fx(model);
      expect(gm.get_submodule('conv')).toBeInstanceOf(nni.ConvReLU2d);
      // linear-bn wins the pair; the trailing relu is left (bn is an interior node of the longer chain)
      expect(gm.get_submodule('fc').constructor).toBe(nn.Linear);
      expect(gm.graph.nodes.filter((n) => n.op === 'call_module').map((n) => n.target)).toEqual(['conv', 'fc']);
      expect(max_abs_diff(gm.forward(t) as Tensor, want)).toBeLessThan(1e-5);
    });
  }

  it('an interior node with two users does not fuse; a root with two users does', () => {
    class TwoUsers extends nn.Module {
      conv = new nn.Conv2d(2, 2, 1);
      relu = new nn.ReLU();
      lin = new nn.Linear(5, 5);
      forward(v: Tensor): Tensor {
        const c = this.conv.forward(v);
        const r = this.relu.forward(c); // conv output also feeds the add: conv → relu must not fuse
        const l = F.relu(this.lin.forward(r)); // the relu itself has two users below: still fuses
        return c.add(l).add(l.mul(2));
      }
    }
    const model = new TwoUsers().eval();
    const want = model.forward(t);
    const gm = quantize_fx.fuse_fx(model);
    expect(gm.get_submodule('conv').constructor).toBe(nn.Conv2d);
    expect(gm.get_submodule('relu')).toBeInstanceOf(nn.ReLU);
    expect(gm.get_submodule('lin')).toBeInstanceOf(nni.LinearReLU);
    expect(gm.graph.find_nodes({ op: 'call_function', target: 'F.relu' })).toHaveLength(0);
    expect(max_abs_diff(gm.forward(t) as Tensor, want)).toBeLessThan(1e-5);
  });

  it('a module called at two places is not replaced; fuse works on a traced GraphModule directly', () => {
    class Shared extends nn.Module {
      conv = new nn.Conv2d(2, 2, 1);
      act = new nn.ReLU();
      forward(v: Tensor): Tensor {
        return this.act.forward(this.conv.forward(this.act.forward(this.conv.forward(v))));
      }
    }
    const model = new Shared().eval();
    const gm = fuse(quantize_fx.fuse_fx(model));
    expect(gm.get_submodule('conv').constructor).toBe(nn.Conv2d);
    expect(max_abs_diff(gm.forward(t) as Tensor, model.forward(t))).toBe(0);
  });

  it('bn → relu fuses into BNReLU2d; a subclass of Conv2d does not match', () => {
    class MyConv extends nn.Conv2d {}
    class M extends nn.Module {
      conv = new MyConv(2, 2, 1);
      bn = new nn.BatchNorm2d(2);
      relu = new nn.ReLU();
      forward(v: Tensor): Tensor {
        return this.relu.forward(this.bn.forward(this.conv.forward(v)));
      }
    }
    // MyConv is a leaf here (a user class is traced through by default): the pass sees call_module conv
    const gm = fuse(fx.symbolic_trace(new M().eval(), undefined, { leaf_modules: [MyConv] }));
    expect(gm.graph.nodes.map((n) => n.target)).toEqual(['v', 'conv', 'bn', 'output']);
    expect(gm.get_submodule('bn')).toBeInstanceOf(nni.BNReLU2d);
    expect(gm.get_submodule('conv')).toBeInstanceOf(MyConv);
    let records: string[] = [];
    fuse(quantize_fx.fuse_fx(new M().eval()), { on_fused: (r) => (records = r.map((q) => q.rule)) });
    expect(records).toEqual([]); // already fused: nothing left to match
  });

  it('keeps preserved attributes and rejects unknown config keys', () => {
    const model = new FmnistCNN().eval() as FmnistCNN & { version?: number };
    model.version = 3;
    const gm = quantize_fx.fuse_fx(model, { preserved_attributes: ['version'] }) as fx.GraphModule & {
      version?: number;
    };
    expect(gm.version).toBe(3);
    expect(() => quantize_fx.fuse_fx(model, { preserved_attribute: ['version'] } as never)).toThrow(
      /unknown key\(s\) 'preserved_attribute'/,
    );
  });

  it('a fuser error names the nodes it was fusing', () => {
    class Bad extends nn.Module {
      conv = new nn.Conv2d(2, 3, 1);
      bn = new nn.BatchNorm2d(3);
      forward(v: Tensor): Tensor {
        return this.bn.forward(this.conv.forward(v));
      }
    }
    const m = new Bad().eval();
    m.bn.training = true; // modes disagree
    expect(() => quantize_fx.fuse_fx(m)).toThrow(
      /fuse: fusing nodes 'conv' → 'bn' \(Conv2d → BatchNorm2d\).*same mode/,
    );
  });
});
