import { describe, expect, it } from 'vitest';
import { weights_path } from '../../examples/models/common.js';
import create, { example_inputs, load_weights } from '../../examples/models/fmnist_lstm.js';
import { load_safetensors } from '../../index.js';
import { expect_accuracy_matches, expect_logits_close } from './_reference.js';

describe('FmnistLSTM fp32 (PyTorch weights)', () => {
  const model = load_weights(create()).eval();

  it('has exactly the PyTorch state_dict keys and shapes', () => {
    const file = load_safetensors(weights_path('fmnist_lstm'));
    const sd = model.state_dict();
    expect(Object.keys(sd).sort()).toEqual(Object.keys(file).sort());
    for (const [k, t] of Object.entries(file)) expect(sd[k].shape, k).toEqual(t.shape);
  });

  it('reproduces PyTorch fp32 logits on the golden batch within 1e-4', () => {
    expect_logits_close(model, 'fmnist_lstm_dynamic', 1e-4);
  });

  it('runs its example input', () => {
    const y = model.call(...example_inputs()) as { shape: number[] };
    expect(y.shape).toEqual([1, 10]);
  });

  it('matches the reference accuracy on the test images (within 2 images)', () => {
    expect_accuracy_matches(model, 'fmnist_lstm', 1000);
  });
});
