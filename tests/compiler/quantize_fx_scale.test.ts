/** prepare_fx + convert_fx on a generated model of ~1,000 traced nodes stays fast (budget 2 s; asserted with margin). */
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
  it('prepare_fx + convert_fx of a 1,000-node model (MinMax observers: the pipeline, not the histogram search)', () => {
    const model = new Deep(334).eval();
    const input = randn([2, 16]);
    expect(symbolic_trace(model).graph.length).toBeGreaterThanOrEqual(1000);
    const t0 = performance.now();
    const prepared = prepare_fx(model, { '': default_qconfig }, [input]);
    const t_prepare = performance.now() - t0;
    prepared.forward(input);
    const t1 = performance.now();
    const q = convert_fx(prepared);
    const t_convert = performance.now() - t1;
    console.log(`1,000-node model: prepare_fx ${t_prepare.toFixed(0)} ms, convert_fx ${t_convert.toFixed(0)} ms`);
    expect(q.graph.nodes.filter((n) => n.target === 'quantized.add')).toHaveLength(334);
    expect(q.graph.nodes.filter((n) => n.target === 'quantize_per_tensor')).toHaveLength(1);
    // generous margin over the 2 s budget: the machine is shared with other test files
    expect(t_prepare + t_convert).toBeLessThan(5000);
  });
});
