/** FX PTQ of FmnistCNN against PyTorch 1.13's goldens (see quantize_fx_golden_suite.ts). */
import { expect } from 'vitest';
import { FmnistCNN, load_weights } from '../../examples/models/fmnist_cnn.js';
import { nn } from '../../index.js';
import { ptq_golden_suite } from './quantize_fx_golden_suite.js';

ptq_golden_suite(
  'fmnist_cnn',
  () => load_weights(new FmnistCNN()),
  (q) => {
    const by = new Map(q.graph.nodes.map((n) => [n.name, n]));
    // torch's converted graph keeps nn.MaxPool2d, called on the quantized conv output
    for (const pool of ['pool1', 'pool2']) {
      expect(by.get(pool)?.op, pool).toBe('call_module');
      expect(q.get_submodule(pool)).toBeInstanceOf(nn.MaxPool2d);
    }
    expect(q.code).toContain('const pool1 = this.pool1.forward(conv1);');
    expect(q.get_submodule('conv1').constructor.name).toBe('ConvReLU2d');
    expect(q.get_submodule('fc1').constructor.name).toBe('LinearReLU');
    expect(q.get_submodule('fc2').constructor.name).toBe('Linear');
  },
);
