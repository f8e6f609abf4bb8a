import { describe, expect, it } from 'vitest';
import { record_scopes } from '../../compiler/quantize_fx/scope_tracer.js';
import type { Tensor } from '../../index.js';
import { add, fx, nn, relu } from '../../index.js';

class Gate extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor): Tensor {
    return relu(this.fc.forward(x));
  }
}
class Block extends nn.Module {
  gate = new Gate();
  act = new nn.ReLU();
  forward(x: Tensor): Tensor {
    return add(this.act.forward(this.gate.forward(x)), x);
  }
}
class Net extends nn.Module {
  block = new Block();
  head = new nn.Linear(4, 2);
  forward(x: Tensor): Tensor {
    return this.head.forward(relu(this.block.forward(x)));
  }
}

describe("Tracer: node.meta.nn_module_stack (torch's ordered [path, class] stack)", () => {
  const gm = fx.symbolic_trace(new Net());
  const stack = (name: string) => gm.graph.nodes.find((n) => n.name === name)?.meta.nn_module_stack;

  it('lists the enclosing modules outermost first, the root excluded', () => {
    expect(stack('block_gate_fc')).toEqual([
      ['block', 'Block'],
      ['block.gate', 'Gate'],
      ['block.gate.fc', 'Linear'],
    ]);
    expect(stack('relu')).toEqual([
      ['block', 'Block'],
      ['block.gate', 'Gate'],
    ]);
    expect(stack('block_act')).toEqual([
      ['block', 'Block'],
      ['block.act', 'ReLU'],
    ]);
    expect(stack('add')).toEqual([['block', 'Block']]);
    expect(stack('head')).toEqual([['head', 'Linear']]);
  });

  it("has no entry for the root's own nodes (placeholder, relu in Net.forward, output)", () => {
    expect(stack('x')).toBeUndefined();
    expect(stack('relu_1')).toBeUndefined();
    expect(stack('output')).toBeUndefined();
  });

  it('drives the quantization scope (innermost module, or the root) without tracer internals', () => {
    const root = new Net();
    const g = fx.symbolic_trace(root);
    record_scopes(g.graph, root);
    const scope = (name: string) => g.graph.nodes.find((n) => n.name === name)?.meta.scope;
    expect(scope('relu')).toEqual(['block.gate', Gate]);
    expect(scope('add')).toEqual(['block', Block]);
    expect(scope('relu_1')).toEqual(['', Net]);
    expect(scope('head')).toBeUndefined(); // modules carry their own qconfig
  });
});
