// fxq's ONNX exports run on onnxruntime-web (wasm EP, 1 thread, optimization 'all') against fxq's own
// models on a subset of the test images (examples/onnx_export.ts runs all 10,000), and the op types
// ONNX Runtime ran after its QDQ fusion.
import { beforeAll, describe, expect, it } from 'vitest';
import { export_onnx_bytes } from '../../../compiler/export/onnx/export.js';
import { run as run_eager_static } from '../../../examples/eager_static.js';
import { image_batch, load_test_images } from '../../../examples/lib/fmnist_data.js';
import { build_cases, compare_logits, fxq_logits, type OnnxCase } from '../../../examples/lib/onnx_cases.js';
import { load_onnxruntime, type Ort, ort_op_counts, ort_runner } from '../../../examples/lib/onnx_runtime.js';

const N = 64;
const CALIB = 100;
let ort: Ort;
const test = load_test_images({ limit: N });
const x = image_batch(test.images, 0, N);

beforeAll(async () => {
  ort = await load_onnxruntime();
});

async function check(c: OnnxCase) {
  const bytes = export_onnx_bytes(c.model, c.example_inputs, c.options);
  const runner = await ort_runner(ort, bytes);
  const got = await runner.run(x.data as Float32Array, x.shape);
  await runner.session.release();
  const cmp = compare_logits(fxq_logits(c.model, x), got, 10, c.step);
  const x1 = image_batch(test.images, 0, 1);
  const ops = await ort_op_counts(ort, bytes, x1.data as Float32Array, x1.shape);
  return { cmp, ops };
}

const FLOAT_COMPUTE = ['Conv', 'FusedConv', 'Gemm', 'FusedGemm', 'MatMul', 'MatMulInteger'];

describe.each(['fmnist_cnn', 'fmnist_resnet'])('%s static int8 → QDQ ONNX', (name) => {
  it.each(['int8 per-tensor', 'int8 per-channel'] as const)(
    '%s: ORT gives fxq’s logits; fused QLinear ops only',
    async (kind) => {
      const [c] = build_cases(name, CALIB, [kind]);
      const { cmp, ops } = await check(c);
      expect(cmp.top1_agreement).toBeGreaterThanOrEqual(0.999);
      expect(cmp.within_one_step).toBeGreaterThanOrEqual(0.99);
      const convs = name === 'fmnist_cnn' ? 2 : 9;
      expect(ops.QLinearConv).toBe(convs);
      expect(ops.QGemm).toBe(name === 'fmnist_cnn' ? 2 : 1);
      if (name === 'fmnist_resnet') {
        expect(ops.QLinearAdd).toBe(3);
        expect(ops.QLinearGlobalAveragePool).toBe(1);
      }
      for (const op of FLOAT_COMPUTE) expect(ops[op], op).toBeUndefined();
      // one QuantizeLinear at the input, one DequantizeLinear at the output: every other Q/DQ was fused
      expect(ops.QuantizeLinear).toBe(1);
      expect(ops.DequantizeLinear).toBe(1);
    },
  );
});

describe('FmnistMobileNet (depthwise convs, ReLU6, Hardswish, residual add, cat) static int8', () => {
  it.each(['int8 per-tensor', 'int8 per-channel'] as const)(
    '%s: fxq’s logits, every conv a QLinearConv',
    async (kind) => {
      const [c] = build_cases('fmnist_mobilenet', CALIB, [kind]);
      const { cmp, ops } = await check(c);
      expect(cmp.top1_agreement).toBeGreaterThanOrEqual(0.999);
      expect(cmp.within_one_step).toBeGreaterThanOrEqual(0.99);
      expect(ops.QLinearConv).toBe(12);
      expect(ops.QLinearAdd).toBe(1);
      expect(ops.QLinearConcat).toBe(1);
      expect(ops.QLinearGlobalAveragePool).toBe(1);
      expect(ops.QGemm).toBe(2);
      // ReLU6 as Clip on the uint8 tensor; the cat's ConvReLU branch no longer needs one: its zero point is 0
      // since the ReLU6 branch's conv keeps its own observer (torch 1.13's rebinding at the cat)
      expect(ops.Clip).toBe(5);
      for (const op of FLOAT_COMPUTE) expect(ops[op], op).toBeUndefined();
      // the three Hardswish stay float between DequantizeLinear and QuantizeLinear (ORT has no int8 HardSwish)
      expect(ops.HardSigmoid).toBe(3);
    },
  );
});

describe('float exports', () => {
  it.each(['fmnist_cnn', 'fmnist_resnet', 'fmnist_lstm'])('%s fp32 matches fxq fp32 within 1e-4', async (name) => {
    const [c] = build_cases(name, CALIB, ['fp32']);
    const { cmp } = await check(c);
    expect(cmp.max_abs_diff).toBeLessThan(1e-4);
    expect(cmp.top1_agreement).toBe(1);
  });
});

describe('dynamic int8 FmnistLSTM', () => {
  const cases = build_cases('fmnist_lstm', CALIB, ['dynamic int8', 'dynamic int8, float LSTM']);
  it('runs as DynamicQuantizeLSTM + DynamicQuantizeMatMul over the int8 weights, agreeing with fxq', async () => {
    const { cmp, ops } = await check(cases[0]);
    expect(cmp.top1_agreement).toBeGreaterThanOrEqual(63 / 64);
    expect(cmp.max_abs_diff).toBeLessThan(0.05);
    expect(ops.DynamicQuantizeLSTM).toBe(1);
    expect(ops.DynamicQuantizeMatMul).toBe(1);
    for (const op of ['LSTM', 'Gemm', 'MatMul', 'MatMulInteger']) expect(ops[op], op).toBeUndefined();
  });
  it("dynamic_lstm: 'float' gives a standard LSTM over the dequantized weights", async () => {
    const { cmp, ops } = await check(cases[1]);
    expect(cmp.top1_agreement).toBeGreaterThanOrEqual(63 / 64);
    expect(cmp.max_abs_diff).toBeLessThan(0.25);
    expect(ops.LSTM).toBe(1);
    expect(ops.DynamicQuantizeMatMul).toBe(1);
  });
});

describe('eager-mode static int8 (QuantStub → fused ConvReLU2d → DeQuantStub)', () => {
  it('exports through its Quantize / DeQuantize modules and runs as one QLinearConv', async () => {
    const { model_int8, input_fp32, res } = run_eager_static();
    const bytes = export_onnx_bytes(model_int8, [input_fp32], { dtype: 'int8' });
    const runner = await ort_runner(ort, bytes);
    const got = await runner.run(input_fp32.data as Float32Array, input_fp32.shape);
    await runner.session.release();
    const step = (model_int8 as unknown as { conv: { scale: number } }).conv.scale;
    let off = 0;
    for (let i = 0; i < got.length; i++) off = Math.max(off, Math.abs(got[i] - res.data[i]));
    expect(off).toBeLessThanOrEqual(step * 1.0001);
    const ops = await ort_op_counts(ort, bytes, input_fp32.data as Float32Array, input_fp32.shape);
    expect(ops.QLinearConv).toBe(1);
    expect(ops.Conv).toBeUndefined();
  });
});
