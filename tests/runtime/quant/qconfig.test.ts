import { describe, expect, it } from 'vitest';
import * as fxq from '../../../index.js';
import { Module } from '../../../runtime/nn/module.js';
import {
  activation_is_dynamically_quantized,
  backends,
  default_dynamic_qconfig,
  default_qconfig,
  FakeQuantize,
  float16_dynamic_qconfig,
  get_default_qat_qconfig,
  get_default_qconfig,
  get_qconfig,
  get_qconfig_dtypes,
  HistogramObserver,
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  PerChannelMinMaxObserver,
  PlaceholderObserver,
  per_channel_dynamic_qconfig,
  QConfig,
  QConfigDynamic,
  QConfigMapping,
  qconfig_equals,
  resolve_function_qconfig,
  resolve_method_qconfig,
  resolve_module_qconfig,
  validate_qconfig_dict,
} from '../../../runtime/quant/index.js';
import { add, mul } from '../../../runtime/tensor/index.js';

class Linear extends Module {}
class Conv2d extends Module {}
class Block extends Module {}

describe('with_args factories', () => {
  it('build a fresh observer per call with the bound options; later options win', () => {
    const fac = MinMaxObserver.with_args({ dtype: 'qint8', qscheme: 'per_tensor_symmetric' });
    const a = fac();
    const b = fac();
    expect(a).not.toBe(b);
    expect([a.dtype, a.qscheme, a.quant_min, a.quant_max]).toEqual(['qint8', 'per_tensor_symmetric', -128, 127]);
    const rr = fac.with_args({ reduce_range: true })();
    expect([rr.quant_min, rr.quant_max]).toEqual([-64, 63]);
    expect(fac.target).toBe(MinMaxObserver);
    expect(String(fac)).toContain('MinMaxObserver');
  });
});

describe('presets reproduce PyTorch 1.13', () => {
  it('qnnpack: HistogramObserver quint8 full range + per-tensor symmetric MinMax qint8 weights', () => {
    const q = get_default_qconfig('qnnpack');
    const a = q.activation() as HistogramObserver;
    const w = q.weight() as MinMaxObserver;
    expect(a).toBeInstanceOf(HistogramObserver);
    expect([a.dtype, a.qscheme, a.reduce_range, a.quant_min, a.quant_max]).toEqual([
      'quint8',
      'per_tensor_affine',
      false,
      0,
      255,
    ]);
    expect(w.constructor).toBe(MinMaxObserver);
    expect([w.dtype, w.qscheme, w.quant_min, w.quant_max]).toEqual(['qint8', 'per_tensor_symmetric', -128, 127]);
  });

  it('fbgemm / x86: reduce_range activations + per-channel symmetric weights; js/wasm: full range + per-channel', () => {
    for (const be of ['fbgemm', 'x86'] as const) {
      const q = get_default_qconfig(be);
      const a = q.activation() as HistogramObserver;
      expect([a.reduce_range, a.quant_min, a.quant_max]).toEqual([true, 0, 127]);
      const w = q.weight() as PerChannelMinMaxObserver;
      expect(w).toBeInstanceOf(PerChannelMinMaxObserver);
      expect([w.dtype, w.qscheme, w.ch_axis]).toEqual(['qint8', 'per_channel_symmetric', 0]);
    }
    for (const be of ['js', 'wasm'] as const) {
      const q = get_default_qconfig(be);
      expect((q.activation() as HistogramObserver).quant_max).toBe(255);
      expect((q.weight() as PerChannelMinMaxObserver).qscheme).toBe('per_channel_symmetric');
    }
  });

  it('QAT presets use FakeQuantize with moving-average observers', () => {
    const q = get_default_qat_qconfig('qnnpack');
    const a = q.activation() as FakeQuantize;
    expect(a).toBeInstanceOf(FakeQuantize);
    expect(a.activation_post_process).toBeInstanceOf(MovingAverageMinMaxObserver);
    expect([a.quant_min, a.quant_max]).toEqual([0, 255]);
    const fb = get_default_qat_qconfig('fbgemm').activation() as FakeQuantize;
    expect([fb.quant_min, fb.quant_max]).toEqual([0, 127]);
    expect((get_default_qat_qconfig('fbgemm').weight() as FakeQuantize).qscheme).toBe('per_channel_symmetric');
  });

  it('dynamic and fp16 qconfigs carry their dtypes', () => {
    expect(get_qconfig_dtypes(default_dynamic_qconfig)).toEqual(['float32', 'qint8', 'quint8']);
    expect(activation_is_dynamically_quantized(default_dynamic_qconfig)).toBe(true);
    expect(activation_is_dynamically_quantized(per_channel_dynamic_qconfig)).toBe(true);
    expect(get_qconfig_dtypes(float16_dynamic_qconfig)).toEqual(['float32', 'float16', 'float16']);
    expect(activation_is_dynamically_quantized(default_qconfig)).toBe(false);
    const d = QConfigDynamic({ weight: MinMaxObserver.with_args({ dtype: 'qint8', qscheme: 'per_tensor_symmetric' }) });
    expect(d.activation()).toBeInstanceOf(PlaceholderObserver);
  });

  it('QConfig accepts classes and factories, rejects instances and unknown keys', () => {
    const q = QConfig({ activation: MinMaxObserver, weight: PerChannelMinMaxObserver });
    expect(q.activation()).toBeInstanceOf(MinMaxObserver);
    expect(() => QConfig({ activation: new MinMaxObserver() as never, weight: MinMaxObserver })).toThrow(
      /observer instance for activation/,
    );
    expect(() => QConfig({ activation: MinMaxObserver, weight: MinMaxObserver, bias: 1 } as never)).toThrow(
      /unknown key 'bias'/,
    );
    expect(qconfig_equals(get_default_qconfig('qnnpack'), get_default_qconfig('qnnpack'))).toBe(true);
    expect(qconfig_equals(get_default_qconfig('qnnpack'), get_default_qconfig('fbgemm'))).toBe(false);
  });

  it('backends.quantized.engine is validated and drives the default backend', () => {
    const prev = backends.quantized.engine;
    try {
      backends.quantized.engine = 'fbgemm';
      expect((get_default_qconfig().activation() as HistogramObserver).reduce_range).toBe(true);
      expect(() => {
        backends.quantized.engine = 'tpu' as never;
      }).toThrow(/unknown engine "tpu"/);
      expect(backends.quantized.engine).toBe('fbgemm');
    } finally {
      backends.quantized.engine = prev;
    }
    expect(() => get_default_qconfig('cuda' as never)).toThrow(/get_default_qconfig: unknown backend "cuda"/);
  });

  it('is reachable as fxq.quantization', () => {
    expect(fxq.quantization.MinMaxObserver).toBe(MinMaxObserver);
    expect(fxq.quantization.get_default_qconfig('qnnpack').activation()).toBeInstanceOf(HistogramObserver);
  });
});

describe('QConfigMapping precedence', () => {
  const g = QConfig({ activation: MinMaxObserver, weight: MinMaxObserver });
  const by_type = QConfig({ activation: HistogramObserver, weight: MinMaxObserver });
  const by_regex = QConfig({ activation: MovingAverageMinMaxObserver, weight: MinMaxObserver });
  const by_name = QConfig({ activation: PlaceholderObserver, weight: MinMaxObserver });
  const by_order = QConfig({ activation: PerChannelMinMaxObserver, weight: MinMaxObserver });
  const m = new QConfigMapping()
    .set_global(g)
    .set_object_type(Linear, by_type)
    .set_object_type(add, by_type)
    .set_object_type('reshape', by_type)
    .set_module_name_regex('layer1\\..*conv', by_regex)
    .set_module_name('layer2', by_name)
    .set_module_name('fc', null)
    .set_module_name_object_type_order('layer1', Linear, 1, by_order);

  it('module_name_object_type_order > module_name > module_name_regex > object_type > global', () => {
    expect(resolve_module_qconfig(m, 'head', Conv2d)).toBe(g);
    expect(resolve_module_qconfig(m, 'head', Linear)).toBe(by_type);
    expect(resolve_module_qconfig(m, 'layer1.0.conv1', Linear)).toBe(by_regex);
    expect(resolve_module_qconfig(m, 'xlayer1.0.conv1', Linear)).toBe(by_type); // re.match anchors at the start
    expect(resolve_module_qconfig(m, 'layer2.0.conv1', Conv2d)).toBe(by_name); // parent's module_name applies
    expect(resolve_module_qconfig(m, 'fc', Linear)).toBeNull(); // null disables
    expect(resolve_module_qconfig(m, 'layer1.lin', Linear, 1)).toBe(by_order);
    expect(resolve_module_qconfig(m, 'layer1.lin', Linear, 0)).toBe(by_type);
  });

  it('functions match by object or registered name; the enclosing module type wins; methods by name', () => {
    expect(resolve_function_qconfig(m, add, 'head')).toBe(by_type);
    expect(resolve_function_qconfig(m, 'add', 'head')).toBe(by_type);
    expect(resolve_function_qconfig(m, mul, 'head')).toBe(g);
    expect(resolve_function_qconfig(m, add, 'layer2')).toBe(by_name);
    expect(resolve_function_qconfig(m, mul, 'blk', Linear)).toBe(by_type);
    expect(resolve_method_qconfig(m, 'reshape', 'head')).toBe(by_type);
    expect(resolve_method_qconfig(m, 'flatten', 'fc')).toBeNull();
    expect(get_qconfig(m, 'head', Linear)).toBe(by_type);
    expect(get_qconfig(m, 'head', add)).toBe(by_type);
    expect(get_qconfig(m.to_dict(), 'layer1.lin', Linear, 1)).toBe(by_order);
  });

  it('to_dict / from_dict round-trip in PyTorch qconfig_dict shape', () => {
    const d = m.to_dict();
    expect(d['']).toBe(g);
    expect(d.module_name).toEqual([
      ['layer2', by_name],
      ['fc', null],
    ]);
    expect(d.module_name_object_type_order).toEqual([['layer1', Linear, 1, by_order]]);
    const m2 = QConfigMapping.from_dict(d);
    for (const [name, t] of [
      ['layer1.0.conv1', Linear],
      ['layer2.x', Conv2d],
      ['fc', Linear],
      ['zzz', Block],
    ] as const) {
      expect(resolve_module_qconfig(m2, name, t)).toBe(resolve_module_qconfig(m, name, t));
    }
    expect(resolve_module_qconfig({ '': g, object_type: [[Block, null]] }, 'b', Block)).toBeNull();
  });

  it('the validator names the bad key or entry', () => {
    expect(() => validate_qconfig_dict({ '': g, module_names: [] } as never)).toThrow(/unknown key 'module_names'/);
    expect(() => validate_qconfig_dict({ object_type: [[Linear]] } as never)).toThrow(
      /qconfig_dict\['object_type'\]\[0\]: expected a 2-element entry/,
    );
    expect(() => validate_qconfig_dict({ module_name: [['fc', { activation: 1 }]] } as never)).toThrow(
      /qconfig_dict\['module_name'\]\[0\]: expected a QConfig or null/,
    );
    expect(() => validate_qconfig_dict({ module_name_regex: [['(', g]] })).toThrow(
      /qconfig_dict\['module_name_regex'\]\[0\]: invalid regex/,
    );
    expect(() => validate_qconfig_dict({ module_name_object_type_order: [['a', Linear, -1, g]] })).toThrow(
      /index must be a non-negative integer/,
    );
    expect(() => validate_qconfig_dict({ object_type: [[42, g]] } as never)).toThrow(/object type must be/);
    expect(() => new QConfigMapping().set_module_name('fc', 'int8' as never)).toThrow(
      /set_module_name\('fc'\): expected a QConfig or null/,
    );
  });
});
