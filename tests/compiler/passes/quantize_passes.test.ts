/** The quantization passes one at a time: assign_qconfig, insert_observers, convert_observers, lower_to_int8, remove_redundant_qdq. */
import { describe, expect, it } from 'vitest';
import type { Node } from '../../../compiler/ir/node.js';
import { assign_qconfig } from '../../../compiler/passes/assign_qconfig.js';
import { fuse } from '../../../compiler/passes/fuse.js';
import { insert_observers } from '../../../compiler/passes/insert_observers.js';
import { remove_redundant_qdq } from '../../../compiler/passes/remove_redundant_qdq.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { trace_for_quantization } from '../../../compiler/quantize_fx/scope_tracer.js';
import { relu } from '../../../runtime/nn/functional/activation.js';
import { ReLU, Sigmoid } from '../../../runtime/nn/layers/activation.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { Linear } from '../../../runtime/nn/layers/linear.js';
import { Dropout } from '../../../runtime/nn/layers/misc.js';
import { MaxPool2d } from '../../../runtime/nn/layers/pooling.js';
import { Module } from '../../../runtime/nn/module.js';
import { default_qconfig, get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { QConfigMapping } from '../../../runtime/quant/qconfig_mapping.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { add, cat, flatten } from '../../../runtime/tensor/index.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';

class Inner extends Module {
  lin = new Linear(4, 4);
  forward(x: Tensor): Tensor {
    return add(this.lin.forward(x), x);
  }
}
class Net extends Module {
  conv = new Conv2d(1, 2, 3, { padding: 1 });
  relu = new ReLU();
  pool = new MaxPool2d(2);
  fc = new Linear(8, 4);
  inner = new Inner();
  sig = new Sigmoid();
  forward(x: Tensor): Tensor {
    const y = flatten(this.pool.forward(this.relu.forward(this.conv.forward(x))), 1);
    return this.sig.forward(this.inner.forward(this.fc.forward(y)));
  }
}
const input = randn([3, 1, 4, 4]);
const q = get_default_qconfig('qnnpack');

function traced(model = new Net().eval()) {
  const gm = trace_for_quantization(model, {}, 'test');
  fuse(gm, { is_qat: false });
  return gm;
}
const by_name = (nodes: Node[], name: string) => nodes.find((n) => n.name === name) as Node;

describe('assign_qconfig', () => {
  it('object_type of the first child reaches a fused module; functions take their enclosing module’s qconfig', () => {
    const gm = traced();
    const mapping = new QConfigMapping().set_object_type(Conv2d, q).set_module_name('inner', default_qconfig);
    assign_qconfig(gm, mapping);
    const nodes = gm.graph.nodes;
    expect(gm.get_submodule('conv').constructor.name).toBe('ConvReLU2d');
    expect(by_name(nodes, 'conv').meta.qconfig).toBe(q);
    expect(by_name(nodes, 'fc').meta.qconfig).toBeNull();
    expect(by_name(nodes, 'inner_lin').meta.qconfig).toBe(default_qconfig);
    expect(by_name(nodes, 'add').meta.qconfig).toBe(default_qconfig); // scope 'inner'
    expect(by_name(nodes, 'flatten').meta.qconfig).toBeNull();
  });
});

describe('insert_observers', () => {
  const model = new Net().eval();
  const expected = model.forward(input);
  const gm = traced(model);
  assign_qconfig(gm, new QConfigMapping().set_global(q));
  const warnings: string[] = [];
  insert_observers(gm, { warnings });
  const nodes = gm.graph.nodes;

  it('keeps the graph valid and leaves the float result unchanged (observers are identities)', () => {
    gm.graph.lint(gm);
    expect([...(gm.forward(input) as Tensor).data]).toEqual([...expected.data]);
    expect(warnings).toEqual([]);
  });

  it('pools and flatten share their input’s observer module; the weighted ops get their own', () => {
    const user_obs = (name: string) => [...by_name(nodes, name).users][0];
    expect(user_obs('pool').target).toBe(user_obs('conv').target);
    expect(user_obs('flatten').target).toBe(user_obs('conv').target);
    expect(user_obs('fc').target).not.toBe(user_obs('conv').target);
  });

  it('the sigmoid output gets a FixedQParamsObserver (1/256, 0)', () => {
    const obs = gm.get_submodule([...by_name(nodes, 'sig').users][0].target);
    expect(obs.constructor.name).toBe('FixedQParamsObserver');
    const [s, z] = (obs as unknown as { calculate_qparams(): [Tensor, Tensor] }).calculate_qparams();
    expect([s.data[0], z.data[0]]).toEqual([1 / 256, 0]);
  });

  it('a null qconfig inserts nothing', () => {
    const g2 = traced();
    assign_qconfig(g2, new QConfigMapping());
    insert_observers(g2);
    expect(g2.graph.nodes.some((n) => n.target.startsWith('activation_post_process'))).toBe(false);
  });
});

describe('convert_observers / lower_to_int8 / remove_redundant_qdq', () => {
  it('observers become quantize_per_tensor → dequantize with torch-style qparam buffer names', () => {
    const prepared = prepare_fx(new Net().eval(), { '': q }, [input]);
    prepared.forward(input);
    const ref = convert_fx(prepared, { is_reference: true });
    expect(Object.keys(ref.state_dict())).toContain('conv_input_scale_0');
    expect(Object.keys(ref.state_dict())).toContain('conv_input_zero_point_0');
    const dq = ref.graph.nodes.filter((n) => n.target === 'dequantize');
    expect(dq.every((d) => (d.args[0] as Node).target === 'quantize_per_tensor')).toBe(true);
    // the reference graph keeps the float modules; the lowered one has int8 ops
    expect(ref.get_submodule('conv').constructor.name).toBe('ConvReLU2d');
    const low = convert_fx(prepared);
    const targets = low.graph.nodes.map((n) => n.target);
    // the pooling module stays (torch keeps it), called on the quantized conv output
    const pool = by_name(low.graph.nodes, 'pool');
    expect([pool.op, (pool.args[0] as Node).name]).toEqual(['call_module', 'conv']);
    expect(low.get_submodule('pool')).toBeInstanceOf(MaxPool2d);
    expect(targets).toContain('quantized.sigmoid');
    expect(targets).toContain('quantized.add');
    // int8 and reference models agree closely (same qparams, integer vs float arithmetic)
    const a = ref.forward(input) as Tensor;
    const b = low.forward(input) as Tensor;
    for (let i = 0; i < a.data.length; i++) expect(Math.abs(a.data[i] - b.data[i])).toBeLessThanOrEqual(2 / 256 + 1e-6);
  });

  it('remove_redundant_qdq drops quantize(dequantize(y)) only when y already has those qparams', () => {
    const prepared = prepare_fx(new Net().eval(), { '': q }, [input]);
    prepared.forward(input);
    const gm = convert_fx(prepared, { is_reference: true });
    const g = gm.graph;
    const qnode = g.nodes.find((n) => n.target === 'quantize_per_tensor') as Node;
    const dq = [...qnode.users][0];
    const user = [...dq.users][0];
    const same = g.inserting_before(user, () => g.call_function('quantize_per_tensor', [dq, ...qnode.args.slice(1)]));
    same.meta.qparams = qnode.meta.qparams;
    const other = g.inserting_before(user, () => g.call_function('quantize_per_tensor', [dq, 0.5, 3, 'quint8']));
    other.meta.qparams = { scale: 0.5, zero_point: 3, dtype: 'quint8' };
    const keep = g.inserting_before(user, () => g.call_method('dequantize', [other]));
    const sink = g.inserting_before(user, () => g.call_function('add', [same, keep]));
    expect(remove_redundant_qdq(gm)).toBe(1);
    expect(sink.args[0]).toBe(qnode);
    expect((sink.args[1] as Node).args[0]).toBe(other);
    g.lint(gm);
  });
});

/** cat of two int8 linears, then F.relu, dropout and reshape: all stay int8 (all share the first linear's output qparams). */
class Misc extends Module {
  fc1 = new Linear(4, 4);
  fc2 = new Linear(4, 4);
  drop = new Dropout(0.5);
  fc3 = new Linear(8, 2);
  forward(x: Tensor): Tensor {
    const c = relu(cat([this.fc1.forward(x), this.fc2.forward(x)], 1));
    return this.fc3.forward(this.drop.forward(c).reshape(-1, 8));
  }
}

describe('lowering of cat, functional relu, dropout and reshape', () => {
  it('cat → quantized.cat (the first input qparams), F.relu → quantized.relu, dropout → identity, reshape stays the tensor method on the int8 tensor', () => {
    const x = randn([3, 4]);
    const prepared = prepare_fx(new Misc().eval(), { '': q }, [x]);
    prepared.forward(x);
    const ref = convert_fx(prepared, { is_reference: true });
    const low = convert_fx(prepared);
    const targets = low.graph.nodes.map((n) => n.target);
    expect(targets).toEqual(expect.arrayContaining(['quantized.cat', 'quantized.relu', 'reshape']));
    // torch 1.13 keeps reshape as the Tensor method on the quantized tensor (qparams pass through)
    expect(low.graph.nodes.find((n) => n.target === 'reshape')?.op).toBe('call_method');
    expect(targets).not.toContain('drop');
    expect(low.graph.nodes.filter((n) => n.target === 'quantize_per_tensor')).toHaveLength(1);
    const a = ref.forward(x) as Tensor;
    const b = low.forward(x) as Tensor;
    const step = (low.get_submodule('fc3') as unknown as { scale: number }).scale;
    for (let i = 0; i < a.data.length; i++)
      expect(Math.abs(a.data[i] - b.data[i])).toBeLessThanOrEqual(2 * step + 1e-6);
  });
});
