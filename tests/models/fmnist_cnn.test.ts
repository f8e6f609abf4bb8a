import { describe, expect, it } from 'vitest';
import { weights_path } from '../../examples/models/common.js';
import create, { example_inputs, load_weights } from '../../examples/models/fmnist_cnn.js';
import { load_safetensors } from '../../index.js';
import { expect_accuracy_matches, expect_logits_close } from './_reference.js';

describe('FmnistCNN fp32 (PyTorch weights)', () => {
  const model = load_weights(create()).eval();

  it('has exactly the PyTorch state_dict keys and shapes', () => {
    const file = load_safetensors(weights_path('fmnist_cnn'));
    const sd = model.state_dict();
    expect(Object.keys(sd).sort()).toEqual(Object.keys(file).sort());
    for (const [k, t] of Object.entries(file)) expect(sd[k].shape, k).toEqual(t.shape);
  });

  it('orders the state_dict as PyTorch does', () => {
    const bn = (m: string) =>
      ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'].map((k) => `${m}.${k}`);
    expect(Object.keys(model.state_dict())).toEqual([
      'conv1.weight',
      'conv1.bias',
      ...bn('bn1'),
      'conv2.weight',
      'conv2.bias',
      ...bn('bn2'),
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
    ]);
  });

  it('reproduces PyTorch fp32 logits on the golden batch within 1e-4', () => {
    expect_logits_close(model, 'fmnist_cnn_ptq', 1e-4);
  });

  it('runs its example input', () => {
    const y = model.call(...example_inputs()) as { shape: number[] };
    expect(y.shape).toEqual([1, 10]);
  });

  it('matches the reference accuracy on the test images (within 2 images)', () => {
    expect_accuracy_matches(model, 'fmnist_cnn', 1000);
  });
});
