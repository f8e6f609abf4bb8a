/**
 * prepare_fx + convert_fx on a generated model of ~1,000 traced nodes lowers every block (its speed is measured by
 * `npm run bench -- compiler`, not here).
 */
import { describe, expect, it } from 'vitest';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { symbolic_trace } from '../../compiler/trace/symbolic_trace.js';
import { ModuleList } from '../../runtime/nn/containers.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Module } from '../../runtime/nn/module.js';
import { default_qconfig } from '../../runtime/quant/qconfig.js';
import { randn } from '../../runtime/tensor/creation.js';
import { add, flatten } from '../../runtime/tensor/index.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

/** `blocks` residual blocks: y = linear(x); x = flatten(y + x, 1) — three traced nodes each. */
class Deep extends Module {
  layers: ModuleList;
  constructor(blocks: number) {
    super();
    this.layers = new ModuleList(Array.from({ length: blocks }, () => new Linear(16, 16)));
  }
  forward(x: Tensor): Tensor {
    for (const l of this.layers) x = flatten(add((l as Linear).forward(x), x), 1);
    return x;
  }
}

describe('quantize_fx at scale', () => {
  it('prepare_fx + convert_fx of a 1,000-node model lowers all 334 blocks, one quantize at the input', () => {
    const model = new Deep(334).eval();
    const input = randn([2, 16]);
    expect(symbolic_trace(model).graph.length).toBeGreaterThanOrEqual(1000);
    const prepared = prepare_fx(model, { '': default_qconfig }, [input]);
    prepared.forward(input);
    const q = convert_fx(prepared);
    expect(q.graph.nodes.filter((n) => n.target === 'quantized.add')).toHaveLength(334);
    expect(q.graph.nodes.filter((n) => n.target === 'quantize_per_tensor')).toHaveLength(1);
    const y = q.forward(input) as Tensor;
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([2, 16]);
  });
});
