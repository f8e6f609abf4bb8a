/**
 * A synthetic model of a chosen size for scale tests and the compiler bench: a chain of
 * elementwise ops and small Linear layers whose traced graph has about `nodes` nodes.
 */

import { ModuleList } from '../../runtime/nn/containers.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Module } from '../../runtime/nn/module.js';
import { add, mul } from '../../runtime/tensor/ops/binary.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

/** Traces to ≈ `nodes` nodes: per step one of linear / relu method / add / mul, cycling. */
export class SyntheticChain extends Module {
  layers: ModuleList;
  readonly steps: number;
  constructor(nodes: number, width = 8) {
    super();
    this.steps = Math.max(1, nodes - 2); // minus placeholder and output
    const n_linear = Math.ceil(this.steps / 4);
    this.layers = new ModuleList(Array.from({ length: n_linear }, () => new Linear(width, width)));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    let li = 0;
    // one pass over the children: ModuleList.at walks them, which is quadratic over a 100,000-node chain
    const layers = [...this.layers.children()];
    for (let i = 0; i < this.steps; i++) {
      switch (i % 4) {
        case 0:
          h = layers[li++].call(h) as Tensor;
          break;
        case 1:
          h = h.relu();
          break;
        case 2:
          h = add(h, x);
          break;
        default:
          h = mul(h, 0.5);
      }
    }
    return h;
  }
}
