/** FX PTQ of FmnistCNN against PyTorch 1.13's goldens (see quantize_fx_golden_suite.ts). */
import { expect } from 'vitest';
import { FmnistCNN, load_weights } from '../../examples/models/fmnist_cnn.js';
import { ptq_golden_suite } from './quantize_fx_golden_suite.js';

ptq_golden_suite(
  'fmnist_cnn',
  () => load_weights(new FmnistCNN()),
  (q) => {
    const by = new Map(q.graph.nodes.map((n) => [n.name, n]));
    expect(by.get('pool1')?.target).toBe('quantized.max_pool2d');
    expect(q.get_submodule('conv1').constructor.name).toBe('ConvReLU2d');
    expect(q.get_submodule('fc1').constructor.name).toBe('LinearReLU');
    expect(q.get_submodule('fc2').constructor.name).toBe('Linear');
  },
);
