import { describe, expect, it } from 'vitest';
import {
  full,
  fx,
  Generator,
  quantization,
  quantize_fx,
  quantize_per_tensor,
  randn,
  type Tensor,
  tensor,
} from '../../index.js';

const qconfig = { '': quantization.default_qconfig };

function calibrated(): { prepared: fx.GraphModule; x: Tensor } {
  const model = new fx.SyntheticChain(10).eval();
  const x = randn([4, 8], { generator: new Generator(3) });
  const prepared = quantize_fx.prepare_fx(model, qconfig, [x], null, { warn: false });
  prepared.forward(x);
  return { prepared, x };
}

const observers = (gm: fx.GraphModule): number =>
  gm.graph.nodes.filter((n) => n.op === 'call_module' && n.target.startsWith('activation_post_process')).length;

describe('prepare_fx / convert_fx refuse a model that already went through them', () => {
  it('prepare_fx on a prepared model names an observer and says what to pass', () => {
    const { prepared, x } = calibrated();
    expect(observers(prepared)).toBeGreaterThan(0);
    expect(() => quantize_fx.prepare_fx(prepared, qconfig, [x], null, { warn: false })).toThrow(
      /prepare_fx: the model is already prepared \(module 'activation_post_process_\d+' is a MinMaxObserver\); .*Pass the original float model to prepare_fx, or calibrate this one and pass it to convert_fx/,
    );
    expect(() => quantize_fx.prepare_qat_fx(prepared.train(), qconfig, [x])).toThrow(
      /prepare_qat_fx: the model is already prepared/,
    );
  });

  it('convert_fx on a converted model says so instead of warning about ops kept in float', () => {
    const { prepared, x } = calibrated();
    const q = quantize_fx.convert_fx(prepared, { warn: false });
    const warned: unknown[] = [];
    const warn = console.warn;
    console.warn = (...a: unknown[]) => void warned.push(a);
    try {
      expect(() => quantize_fx.convert_fx(q)).toThrow(
        /convert_fx: the model is already converted \(node '\w+' calls (quantize_per_tensor|quantized\.\w+); it has no observers left\); pass the model prepare_fx returned/,
      );
    } finally {
      console.warn = warn;
    }
    expect(warned).toEqual([]);
    expect(() => quantize_fx.prepare_fx(q, qconfig, [x])).toThrow(/prepare_fx: the model is already quantized/);
  });
});

describe('NaN inputs of a converted model', () => {
  it('by default quantize NaN silently as PyTorch does (stored integer 0, finite logits); the prepared model refuses NaN', () => {
    const { prepared } = calibrated();
    const q = quantize_fx.convert_fx(prepared, { warn: false });
    const nan = full([2, 8], Number.NaN);
    const out = q.forward(nan) as Tensor;
    expect([...out.data].every(Number.isFinite)).toBe(true);
    expect(() => prepared.forward(nan)).toThrow(/contains NaN at flat index 0; observers need finite values/);
    // the documented mapping: NaN is stored as integer 0 (quint8: quant_min, as PyTorch; qint8: 0, see README)
    expect([...quantize_per_tensor(tensor([Number.NaN, 1]), 0.1, 10, 'quint8').int_repr().data]).toEqual([0, 20]);
    expect([...quantize_per_tensor(tensor([Number.NaN, 1]), 0.1, 3, 'qint8').int_repr().data]).toEqual([0, 13]);
  });

  it('convert_fx({ check_inputs: true }) raises an error naming the input, and keeps the check through to_json/from_json', () => {
    const { prepared, x } = calibrated();
    const plain = quantize_fx.convert_fx(prepared, { warn: false });
    const checked = quantize_fx.convert_fx(prepared, { warn: false, check_inputs: true });
    expect([...(checked.forward(x) as Tensor).data]).toEqual([...(plain.forward(x) as Tensor).data]);
    const bad = x.clone();
    bad.data[5] = Number.NaN;
    expect(() => checked.forward(bad)).toThrow(/forward input 'x' \(shape \[4, 8\]\) contains NaN at flat index 5/);
    bad.data[5] = Number.NEGATIVE_INFINITY;
    expect(() => checked.forward(bad)).toThrow(/forward input 'x' .* contains -Inf at flat index 5/);
    expect(checked.code).toContain('fxq.assert_finite(x, "x")');
    const back = fx.GraphModule.from_json(JSON.parse(JSON.stringify(checked.to_json())), checked);
    expect(() => back.forward(bad)).toThrow(/forward input 'x'/);
  });
});
