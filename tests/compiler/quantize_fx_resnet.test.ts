/** FX PTQ of FmnistResNet against PyTorch 1.13's goldens (see quantize_fx_golden_suite.ts). */
import { expect } from 'vitest';
import { FmnistResNet, load_weights } from '../../examples/models/fmnist_resnet.js';
import { nn } from '../../index.js';
import { ptq_golden_suite } from './quantize_fx_golden_suite.js';

ptq_golden_suite(
  'fmnist_resnet',
  () => load_weights(new FmnistResNet()),
  (q) => {
    const by = new Map(q.graph.nodes.map((n) => [n.name, n]));
    expect(by.get('add_relu')?.target).toBe('quantized.add_relu');
    expect(by.get('add_relu_2')?.target).toBe('quantized.add_relu');
    // torch's converted graph keeps nn.AdaptiveAvgPool2d, called on the quantized add_relu output
    expect(by.get('avgpool')?.op).toBe('call_module');
    expect(q.get_submodule('avgpool')).toBeInstanceOf(nn.AdaptiveAvgPool2d);
    expect(q.code).toContain('const avgpool = this.avgpool.forward(add_relu_2);');
    expect(q.get_submodule('conv1').constructor.name).toBe('ConvReLU2d');
    expect(q.get_submodule('layer1.conv2').constructor.name).toBe('Conv2d');
    expect(q.get_submodule('fc').constructor.name).toBe('Linear');
  },
);
