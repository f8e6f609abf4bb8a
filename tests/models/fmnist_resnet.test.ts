import { describe, expect, it } from 'vitest';
import { weights_path } from '../../examples/models/common.js';
import create, { example_inputs, load_weights } from '../../examples/models/fmnist_resnet.js';
import { load_safetensors } from '../../index.js';
import { expect_accuracy_matches, expect_logits_close } from './_reference.js';

describe('FmnistResNet fp32 (PyTorch weights)', () => {
  const model = load_weights(create()).eval();

  it('has exactly the PyTorch state_dict keys and shapes', () => {
    const file = load_safetensors(weights_path('fmnist_resnet'));
    const sd = model.state_dict();
    expect(Object.keys(sd).sort()).toEqual(Object.keys(file).sort());
    for (const [k, t] of Object.entries(file)) expect(sd[k].shape, k).toEqual(t.shape);
  });

  it('orders a downsampling block as PyTorch does', () => {
    const bn = (m: string) =>
      ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'].map((k) => `layer2.${m}.${k}`);
    const keys = Object.keys(model.state_dict()).filter((k) => k.startsWith('layer2.'));
    expect(keys).toEqual([
      'layer2.conv1.weight',
      ...bn('bn1'),
      'layer2.conv2.weight',
      ...bn('bn2'),
      'layer2.downsample.0.weight',
      ...bn('downsample.1'),
    ]);
  });

  it('reproduces PyTorch fp32 logits on the golden batch within 1e-4', () => {
    expect_logits_close(model, 'fmnist_resnet_ptq', 1e-4);
  });

  it('runs its example input', () => {
    const y = model.call(...example_inputs()) as { shape: number[] };
    expect(y.shape).toEqual([1, 10]);
  });

  it('matches the reference accuracy on the test images (within 2 images)', () => {
    expect_accuracy_matches(model, 'fmnist_resnet', 1000);
  });
});
