/**
 * Eager static quantization of FmnistCNN (fuse_modules + QuantWrapper + prepare + calibrate + convert)
 * with the reference's recipe (get_default_qconfig('qnnpack'), first 1000 training images in batches
 * of 50): against PyTorch's golden int8 model, and against fxq's own FX path (prepare_fx / convert_fx)
 * with the same qconfig and calibration — the two must give identical int8 outputs.
 *
 * The FX comparison uses min/max activation observers: FX (like torch's) lets MaxPool and flatten share
 * the conv's output observer, so that observer also records the pooled values, while eager observes only
 * module outputs. A min/max observer ends with the same range either way (pooling keeps the max and
 * cannot go below the min); a HistogramObserver's bin counts differ, so its qparams do too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FmnistCNN } from '../../../examples/models/fmnist_cnn.js';
import { load_fashion_mnist, load_safetensors, type nn, no_grad, quantization as Q, Tensor } from '../../../index.js';
import * as nniq from '../../../runtime/quantized/nn_intrinsic_quantized.js';
import * as nnq from '../../../runtime/quantized/nn_quantized.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const GOLDEN = join(ROOT, 'tests/fixtures/reference/golden');
const golden = load_safetensors(join(GOLDEN, 'fmnist_cnn_ptq.safetensors'));
const golden_json = JSON.parse(readFileSync(join(GOLDEN, 'fmnist_cnn_ptq.json'), 'utf8')) as {
  quantized_weighted_modules: Record<string, { out_scale: number; out_zero_point: number }>;
};
const x = golden['input/x_fp32'];
const cal = load_fashion_mnist(join(ROOT, 'examples/data/fashion-mnist'), 'train-first1000').images;
const FUSE = [
  ['conv1', 'bn1', 'relu1'],
  ['conv2', 'bn2', 'relu2'],
  ['fc1', 'relu3'],
];

function float_model(): FmnistCNN {
  const m = new FmnistCNN();
  m.load_state_dict(load_safetensors(join(ROOT, 'examples/weights/fmnist_cnn.safetensors')));
  return m.eval();
}

function calibrate(model: nn.Module, n: number): void {
  no_grad(() => {
    for (let s = 0; s < n; s += 50)
      model.call(new Tensor((cal.data as Float32Array).subarray(s * 784, (s + 50) * 784), [50, 1, 28, 28], 'float32'));
  });
}

function eager_int8(n_cal: number, qconfig: Q.QConfig = Q.get_default_qconfig('qnnpack')): Q.QuantWrapper {
  const model = new Q.QuantWrapper(Q.fuse_modules(float_model(), FUSE));
  model.qconfig = qconfig;
  const prepared = Q.prepare(model);
  calibrate(prepared, n_cal);
  return Q.convert(prepared);
}

const argmax = (d: ArrayLike<number>, r: number) => {
  let b = 0;
  for (let c = 1; c < 10; c++) if (d[r * 10 + c] > d[r * 10 + b]) b = c;
  return b;
};

describe('eager static quantization of FmnistCNN', () => {
  it('matches PyTorch’s int8 model on the golden batch: weights, input/fc qparams, logits within one output step', () => {
    const q = eager_int8(1000);
    const inner = q.module as FmnistCNN;
    expect(q.quant).toBeInstanceOf(nnq.Quantize);
    expect(inner.conv1).toBeInstanceOf(nniq.ConvReLU2d);
    expect(inner.fc1).toBeInstanceOf(nniq.LinearReLU);
    expect(inner.fc2).toBeInstanceOf(nnq.Linear);
    // the BN-folded weights quantize to PyTorch's int8 weights exactly
    for (const name of ['conv1', 'conv2', 'fc1', 'fc2'] as const) {
      const w = (inner[name] as unknown as nnq.Linear).weight();
      expect(Array.from(w.data), name).toEqual(Array.from(golden[`module/${name}/weight_int8`].data));
      expect(w.q_scale()).toBeCloseTo(golden[`module/${name}/weight_scale`].data[0], 9);
    }
    const quant = q.quant as unknown as nnq.Quantize;
    expect(quant.scale.data[0]).toBe(golden['node/quantize_per_tensor/out_scale'].data[0]);
    expect(quant.zero_point.data[0]).toBe(golden['node/quantize_per_tensor/out_zero_point'].data[0]);
    for (const name of ['fc1', 'fc2'] as const) {
      const m = inner[name] as unknown as nnq.Linear;
      expect(m.scale, name).toBeCloseTo(golden_json.quantized_weighted_modules[name].out_scale, 7);
      expect(m.zero_point, name).toBe(golden_json.quantized_weighted_modules[name].out_zero_point);
    }
    const y = no_grad(() => q.forward(x));
    const ref = golden['int8/logits_dequant'].data;
    const step = (inner.fc2 as unknown as nnq.Linear).scale;
    let max = 0;
    for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(y.data[i] - ref[i]));
    expect(max).toBeLessThanOrEqual(step * 1.001);
    for (let r = 0; r < 8; r++) expect(argmax(y.data, r)).toBe(argmax(ref, r));
  });

  it('gives the same int8 outputs as prepare_fx / convert_fx with the same qconfig and calibration', async () => {
    const fx = (await import('../../../compiler/quantize_fx.js')) as unknown as {
      prepare_fx?: (m: nn.Module, q: object, ex: unknown[]) => nn.Module;
      convert_fx?: (m: nn.Module) => nn.Module;
    };
    if (!fx.prepare_fx || !fx.convert_fx) throw new Error('compiler/quantize_fx has no prepare_fx / convert_fx yet');
    const n = 200;
    const qconfig = Q.QConfig({
      activation: Q.MinMaxObserver.with_args({ reduce_range: false }),
      weight: Q.default_weight_observer,
    });
    const prepared = fx.prepare_fx(float_model(), { '': qconfig }, [x]);
    calibrate(prepared, n);
    const fx_int8 = fx.convert_fx(prepared);
    const eager = eager_int8(n, qconfig);
    const a = no_grad(() => eager.forward(x));
    let b = no_grad(() => fx_int8.call(x) as Tensor);
    if (b.is_quantized) b = b.dequantize();
    expect(b.shape).toEqual(a.shape);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    const scales = (m: nn.Module) =>
      [...m.modules()]
        .filter((s) => s instanceof nniq.ConvReLU2d || s instanceof nnq.Linear)
        .map((s) => (s as nnq.Linear).scale);
    expect(scales(eager)).toHaveLength(4);
    expect(scales(fx_int8)).toEqual(scales(eager));
  });
});
