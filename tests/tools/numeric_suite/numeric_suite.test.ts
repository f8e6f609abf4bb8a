// The eager and FX numeric suites on a small CNN (conv-bn-relu, conv + add + relu, pool, linear) quantized by convert_fx.
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { Generator, randn, type Tensor } from '../../../index.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import {
  _numeric_suite,
  _numeric_suite_fx,
  compare_layers,
  compute_sqnr,
  match_nodes,
} from '../../../tools/numeric_suite/index.js';
import create, { type TinyCNN } from '../../cli/fixtures/tiny_cnn.js';

let model: TinyCNN;
let q: GraphModule;
const x = randn([6, 1, 28, 28], { generator: new Generator(1) });

beforeAll(() => {
  model = create().eval();
  const prepared = prepare_fx(model, { '': get_default_qconfig('qnnpack') }, [x], null, { warn: false });
  for (let i = 0; i < 4; i++) prepared.call(randn([8, 1, 28, 28], { generator: new Generator(10 + i) }));
  q = convert_fx(prepared);
});

describe('_numeric_suite (eager)', () => {
  it('compare_weights pairs float and int8 weights by key', () => {
    const fused = _numeric_suite_fx.as_float_graph(model);
    const r = _numeric_suite.compare_weights(fused.state_dict(), q.state_dict());
    expect(Object.keys(r).sort()).toEqual(['conv1.weight', 'conv2.weight', 'fc.weight']);
    expect(r['conv1.weight'].float).toBe(fused.state_dict()['conv1.0.weight']);
    expect(r['fc.weight'].quantized.is_quantized).toBe(true);
    expect(compute_sqnr(r['fc.weight'].float, r['fc.weight'].quantized)).toBeGreaterThan(35);
    expect(() => _numeric_suite.compare_weights({ 'fc.weight': randn([3]) }, q.state_dict())).toThrow(
      /'fc.weight' has 160 elements .* but 3/,
    );
  });

  it('compare_model_outputs logs same-named modules of both models, then restores them', () => {
    const fused = _numeric_suite_fx.as_float_graph(model);
    const r = _numeric_suite.compare_model_outputs(fused, q, [x]);
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['conv2', 'fc']));
    expect(r.fc.float[0].shape).toEqual([6, 10]);
    expect(r.fc.quantized[0].is_quantized).toBe(true);
    expect(compute_sqnr(r.fc.float[0], r.fc.quantized[0])).toBeGreaterThan(15);
    expect(Object.hasOwn(q.get_submodule('fc'), 'forward')).toBe(false);
    expect(() => _numeric_suite.compare_model_outputs(fused, q, [x], { allow_list: ['nope'] })).toThrow(
      /module 'nope' is not in the float model/,
    );
  });
});

describe('_numeric_suite_fx', () => {
  it('match_nodes pairs input, layers, the fused add+relu and the pool', () => {
    const pairs = match_nodes(_numeric_suite_fx.as_float_graph(model), q);
    const names = pairs.map((p) => `${p.name}:${p.b.name}`);
    expect(names).toEqual([
      'x:quantize_per_tensor',
      'conv1:conv1',
      'conv2:conv2',
      'relu2:add_relu',
      'pool:pool',
      'flatten:flatten',
      'fc:fc',
    ]);
  });

  it('extract_weights returns the matched weighted layers of both models', () => {
    const r = _numeric_suite_fx.extract_weights('fp32', model, 'int8', q);
    expect(Object.keys(r)).toEqual(['conv1', 'conv2', 'fc']);
    const w = r.conv1.weight;
    expect(w.fp32[0].values[0].shape).toEqual([4, 1, 3, 3]);
    expect(w.int8[0].values[0].is_quantized).toBe(true);
    expect(w.int8[0].ref_node_target_type).toBe('ConvReLU2d');
  });

  it('add_loggers + extract_logger_info + extend_logger_results_with_comparison give per-layer SQNR; originals untouched', () => {
    const code_before = q.code;
    const [a, b] = _numeric_suite_fx.add_loggers('fp32', model, 'int8', q);
    const ya = a.call(x) as Tensor;
    const yb = b.call(x) as Tensor;
    expect(compute_sqnr(ya, yb)).toBeGreaterThan(15);
    const r = _numeric_suite_fx.extract_logger_info(a, b);
    _numeric_suite_fx.extend_logger_results_with_comparison(r, 'fp32', 'int8', compute_sqnr, 'sqnr');
    expect(Object.keys(r)).toEqual(['x', 'conv1', 'conv2', 'relu2', 'pool', 'flatten', 'fc']);
    for (const layer of Object.values(r)) {
      const res = layer.node_output.int8[0];
      expect(res.values.length).toBe(1);
      expect(res.comparisons?.[0]).toBeGreaterThan(15);
      expect(res.comparison_fn_name).toBe('sqnr');
    }
    expect(r.fc.node_output.int8[0].comparisons?.[0]).toBeCloseTo(compute_sqnr(ya, yb), 6);
    expect(q.code).toBe(code_before);
    expect([...q.modules()].some((m) => m instanceof _numeric_suite_fx.OutputLogger)).toBe(false);
  });

  it('add_shadow_loggers: each float layer run on the int8 input has less error than the accumulated one', () => {
    const s = _numeric_suite_fx.add_shadow_loggers('fp32', model, 'int8', q);
    s.call(x);
    const r = _numeric_suite_fx.extract_shadow_logger_info(s);
    _numeric_suite_fx.extend_logger_results_with_comparison(r, 'fp32', 'int8', compute_sqnr, 'sqnr');
    // the pool is a call_module layer in both models (convert_fx keeps pooling modules, as torch), so it is shadowed too
    expect(Object.keys(r).sort()).toEqual(['conv1', 'conv2', 'fc', 'pool']);
    const [a, b] = _numeric_suite_fx.add_loggers('fp32', model, 'int8', q);
    a.call(x);
    b.call(x);
    const acc = _numeric_suite_fx.extend_logger_results_with_comparison(
      _numeric_suite_fx.extract_logger_info(a, b),
      'fp32',
      'int8',
      compute_sqnr,
      'sqnr',
    );
    const shadow_fc = r.fc.node_output.int8[0].comparisons?.[0] as number;
    const accumulated_fc = acc.fc.node_output.int8[0].comparisons?.[0] as number;
    expect(shadow_fc).toBeGreaterThan(accumulated_fc);
  });

  it('compare_layers streams batches: the SQNR over two batches equals the one over their concatenation', () => {
    const x2 = randn([4, 1, 28, 28], { generator: new Generator(2) });
    const both = randn([10, 1, 28, 28], { generator: new Generator(3) });
    (both.data as Float32Array).set(x.data as Float32Array, 0);
    (both.data as Float32Array).set(x2.data as Float32Array, 6 * 784);
    const split = compare_layers(model, q, [[x], [x2]]);
    const whole = compare_layers(model, q, [[both]]);
    expect(split.map((l) => l.layer)).toEqual(whole.map((l) => l.layer));
    for (const [i, l] of split.entries()) expect(l.sqnr).toBeCloseTo(whole[i].sqnr, 6);
    expect(split.find((l) => l.layer === 'fc')?.weight_sqnr).toBeGreaterThan(35);
  });

  it('refuses a quantized model that is not a GraphModule', () => {
    expect(() => _numeric_suite_fx.add_loggers('a', model, 'b', model)).toThrow(/must be a GraphModule .* got TinyCNN/);
  });
});
