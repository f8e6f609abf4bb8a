import { describe, expect, it } from 'vitest';
import { FmnistCNN, load_weights } from '../../../examples/models/fmnist_cnn.js';
import { Generator, nn, quantization, randn, type Tensor } from '../../../index.js';
import { max_abs_diff, randomize_bn } from '../nn/utils/_helpers.js';

const { fuse_modules, fuse_modules_qat, fuse_known_modules, get_fuser_method } = quantization;
const nni = nn.intrinsic;

const CNN_GROUPS = [
  ['conv1', 'bn1', 'relu1'],
  ['conv2', 'bn2', 'relu2'],
  ['fc1', 'relu3'],
];

describe('fuse_modules (eager)', () => {
  const model = load_weights(new FmnistCNN()).eval();
  const x = randn([4, 1, 28, 28], { generator: new Generator(11) });
  const want = model.forward(x);

  it('fuses FmnistCNN: first name gets the fused module, the others Identity; output within 1e-5', () => {
    const fused = fuse_modules(model, CNN_GROUPS);
    expect(fused).not.toBe(model);
    expect(fused).toBeInstanceOf(FmnistCNN);
    expect(fused.conv1).toBeInstanceOf(nni.ConvReLU2d);
    expect((fused.conv1 as unknown as nn.Sequential).at(0)).toBeInstanceOf(nn.Conv2d);
    expect(fused.bn1).toBeInstanceOf(nn.Identity);
    expect(fused.relu1).toBeInstanceOf(nn.Identity);
    expect(fused.bn1.training).toBe(false);
    expect(fused.fc1).toBeInstanceOf(nni.LinearReLU);
    expect(fused.relu3).toBeInstanceOf(nn.Identity);
    expect(Object.keys(fused.state_dict())).toEqual([
      'conv1.0.weight',
      'conv1.0.bias',
      'conv2.0.weight',
      'conv2.0.bias',
      'fc1.0.weight',
      'fc1.0.bias',
      'fc2.weight',
      'fc2.bias',
    ]);
    expect(max_abs_diff(fused.forward(x), want)).toBeLessThan(1e-5);
    // inplace=false: the original still has its BatchNorms and the same output
    expect(model.bn1).toBeInstanceOf(nn.BatchNorm2d);
    expect(max_abs_diff(model.forward(x), want)).toBe(0);
  });

  it('accepts a single group and inplace=true', () => {
    const m = load_weights(new FmnistCNN()).eval();
    const out = fuse_modules(m, ['conv2', 'bn2'], { inplace: true });
    expect(out).toBe(m);
    expect(m.conv2).toBeInstanceOf(nn.Conv2d);
    expect(m.conv2).not.toBeInstanceOf(nni.ConvBn2d);
    expect(m.bn2).toBeInstanceOf(nn.Identity);
    expect(max_abs_diff(m.forward(x), want)).toBeLessThan(1e-5);
  });

  it('fuses nested names (dotted paths) and bn-relu', () => {
    class Net extends nn.Module {
      block = new nn.Sequential(new nn.BatchNorm2d(2), new nn.ReLU());
      forward(t: Tensor): Tensor {
        return this.block.forward(t);
      }
    }
    const net = new Net().eval();
    randomize_bn(net.block.at(0) as nn.BatchNorm2d, 4);
    const t = randn([1, 2, 3, 3]);
    const fused = fuse_modules(net, [['block.0', 'block.1']]);
    expect(fused.block.at(0)).toBeInstanceOf(nni.BNReLU2d);
    expect(max_abs_diff(fused.forward(t), net.forward(t))).toBe(0);
  });

  it('train mode keeps BatchNorm live (ConvBnReLU2d); fuse_modules_qat forces it', () => {
    const m = load_weights(new FmnistCNN()).train();
    const f = fuse_modules(m, CNN_GROUPS);
    expect(f.conv1).toBeInstanceOf(nni.ConvBnReLU2d);
    expect((f.conv1 as unknown as nn.Sequential).at(1)).toBeInstanceOf(nn.BatchNorm2d);
    expect(f.bn1.training).toBe(true);
    const q = fuse_modules_qat(load_weights(new FmnistCNN()).eval(), [['conv2', 'bn2']]);
    expect(q.conv2).toBeInstanceOf(nni.ConvBn2d);
    expect(() => fuse_modules(load_weights(new FmnistCNN()).train(), [['conv1', 'bn1']], { is_qat: false })).toThrow(
      /group \['conv1', 'bn1'\]: fuse_conv_bn_eval: Fusion only for eval!/,
    );
  });

  it('names missing submodules', () => {
    expect(() => fuse_modules(model, [['conv1', 'bn9']])).toThrow(
      /fuse_modules: no submodule 'bn9' in FmnistCNN \(group \['conv1', 'bn9'\]\).*submodules: conv1, bn1/,
    );
    expect(() => fuse_modules(model, [['conv1.weight', 'bn1']])).toThrow(/no submodule 'conv1.weight'/);
  });

  it('names non-fusable type sequences and lists the supported patterns', () => {
    let msg = '';
    try {
      fuse_modules(model, [['conv1', 'pool1']]);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/group \['conv1', 'pool1'\]: Cannot fuse modules: \(Conv2d → MaxPool2d\)/);
    for (const p of ['Conv2d → BatchNorm2d → ReLU', 'Conv2d → ReLU', 'Linear → BatchNorm1d', 'BatchNorm2d → ReLU'])
      expect(msg).toContain(p);
    // the order matters: ReLU → Conv2d is not a pattern
    expect(() => fuse_modules(model, [['relu1', 'conv1']])).toThrow(/Cannot fuse modules: \(ReLU → Conv2d\)/);
  });

  it('validates every group before changing an inplace model', () => {
    const m = load_weights(new FmnistCNN()).eval();
    expect(() =>
      fuse_modules(
        m,
        [
          ['conv1', 'bn1'],
          ['fc1', 'fc2'],
        ],
        { inplace: true },
      ),
    ).toThrow(/Linear → Linear/);
    expect(m.conv1).toBeInstanceOf(nn.Conv2d);
    expect(m.bn1).toBeInstanceOf(nn.BatchNorm2d);
    expect(() =>
      fuse_modules(m, [
        ['conv1', 'bn1'],
        ['bn1', 'relu1'],
      ]),
    ).toThrow(/'bn1' is listed twice/);
    expect(() => fuse_modules(m, [['conv1']])).toThrow(/needs at least two/);
  });

  it('uses a custom fuser_func and additional rows', () => {
    const seen: string[] = [];
    const m = fuse_modules(model, ['fc1', 'relu3'], {
      fuser_func: (mods, is_qat, extra) => {
        seen.push(`${mods.map((q) => q.constructor.name).join('+')} qat=${is_qat}`);
        return fuse_known_modules(mods, is_qat, extra);
      },
    });
    expect(seen).toEqual(['Linear+ReLU qat=false']);
    expect(m.fc1).toBeInstanceOf(nni.LinearReLU);
    const extra = [{ types: [nn.Linear, nn.Linear], fuser_method: (_q: boolean, a: nn.Module) => a }];
    expect(get_fuser_method([nn.Linear, nn.Linear], extra)).not.toBeNull();
    const m2 = fuse_modules(model, ['fc1', 'fc2'], {
      fuse_custom_config_dict: { additional_fuser_method_mapping: extra },
    });
    expect(m2.fc2).toBeInstanceOf(nn.Identity);
    expect(get_fuser_method([nn.Linear, nn.Linear])).toBeNull();
  });
});
