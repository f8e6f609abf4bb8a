import { describe, expect, it } from 'vitest';
import { weights_path } from '../../examples/models/common.js';
import create, { example_inputs, load_weights } from '../../examples/models/fmnist_vit.js';
import {
  fx,
  get_backend,
  load_safetensors,
  load_wasm_backend,
  no_grad,
  set_backend,
  type Tensor,
} from '../../index.js';
import { expect_accuracy_matches, expect_logits_close, golden_batch } from './_reference.js';

describe('FmnistViT fp32 (PyTorch weights)', () => {
  const model = load_weights(create()).eval();

  it('has exactly the PyTorch state_dict keys and shapes (56 tensors, 139,018 parameters)', () => {
    const file = load_safetensors(weights_path('fmnist_vit'));
    const sd = model.state_dict();
    expect(Object.keys(sd).sort()).toEqual(Object.keys(file).sort());
    for (const [k, t] of Object.entries(file)) expect(sd[k].shape, k).toEqual(t.shape);
    expect(Object.keys(sd)).toHaveLength(56);
    // torch saves a module's own parameters before its children's
    expect(Object.keys(sd).slice(0, 4)).toEqual(['cls_token', 'pos_embed', 'patch.weight', 'patch.bias']);
    expect([...model.parameters()].reduce((n, p) => n + p.numel(), 0)).toBe(139018);
  });

  it('reproduces PyTorch fp32 logits on the golden batch within 1e-4', () => {
    const max = expect_logits_close(model, 'fmnist_vit_fp32', 1e-4);
    expect(max).toBeLessThan(1e-5); // measured 1.9e-6
  });

  it('symbolic_traces into the reference op sequence, and the GraphModule equals eager bit for bit', () => {
    const gm = fx.symbolic_trace(model);
    const count = (op: string, target: string) =>
      gm.graph.nodes.filter((n) => n.op === op && n.target === target).length;
    // per block: 2 matmul, 1 mul by the scale, 1 softmax function, 3 getitem (index) on qkv
    expect(count('call_function', 'matmul')).toBe(8);
    expect(count('call_function', 'mul')).toBe(4);
    expect(count('call_function', 'softmax')).toBe(4);
    expect(count('call_function', 'cat')).toBe(1);
    expect(count('call_function', 'add')).toBe(9);
    expect(count('call_method', 'index')).toBe(13);
    expect(count('call_method', 'expand')).toBe(1);
    expect(count('get_attr', 'cls_token') + count('get_attr', 'pos_embed')).toBe(2);
    expect(gm.graph.nodes.filter((n) => n.op === 'call_module')).toHaveLength(1 + 4 * 7 + 2);
    const mul = gm.graph.nodes.find((n) => n.target === 'mul');
    expect(mul?.args[1]).toBe(0.25);
    const { x } = golden_batch('fmnist_vit_fp32');
    const eager = no_grad(() => model.call(x) as Tensor);
    const traced = no_grad(() => gm.forward(x) as Tensor);
    expect(traced.shape).toEqual([8, 10]);
    for (let i = 0; i < eager.data.length; i++)
      expect(Object.is(traced.data[i], eager.data[i]), `logit ${i}`).toBe(true);
  });

  it('runs its example input and any batch size', () => {
    const y = model.call(...example_inputs()) as Tensor;
    expect(y.shape).toEqual([1, 10]);
    const { x } = golden_batch('fmnist_vit_fp32');
    const one = no_grad(() => model.call(x.narrow(0, 3, 1)) as Tensor);
    const all = no_grad(() => model.call(x) as Tensor);
    for (let c = 0; c < 10; c++) expect(one.data[c]).toBeCloseTo(all.data[30 + c], 5);
  });

  it('matches the reference predictions on the first 1,000 test images (within 2 images)', () => {
    // the wasm fp32 kernels keep this under a few seconds; the js backend gives the same predictions
    load_wasm_backend();
    const prev = get_backend().name;
    set_backend('wasm');
    try {
      expect_accuracy_matches(model, 'fmnist_vit', 1000);
    } finally {
      set_backend(prev);
    }
  });
});
