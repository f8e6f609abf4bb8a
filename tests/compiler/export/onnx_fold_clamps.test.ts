// An int8 model whose ReLU6 were folded into the convs' requantization (compiler/passes/fold_clamps.ts) exports to ONNX with
// each folded clamp as Clip on the uint8 tensor after the conv's QuantizeLinear, and ONNX Runtime gives fxq's logits.
import { describe, expect, it } from 'vitest';
import { export_onnx_bytes } from '../../../compiler/export/onnx/export.js';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { fold_clamps } from '../../../compiler/passes/fold_clamps.js';
import { image_batch, load_test_images } from '../../../examples/lib/fmnist_data.js';
import { build_cases, compare_logits, fxq_logits } from '../../../examples/lib/onnx_cases.js';
import { load_onnxruntime, ort_op_counts, ort_runner } from '../../../examples/lib/onnx_runtime.js';

describe('FmnistMobileNet int8 with folded clamps → QDQ ONNX', () => {
  it('ORT gives fxq’s logits; the folded ReLU6 are Clips, every conv a QLinearConv', async () => {
    const ort = await load_onnxruntime();
    const x = image_batch(load_test_images({ limit: 64 }).images, 0, 64);
    const [c] = build_cases('fmnist_mobilenet', 100, ['int8 per-tensor']);
    const model = c.model as GraphModule;
    const before = fxq_logits(model, x);
    expect(fold_clamps(model).length).toBe(5);
    expect(fxq_logits(model, x)).toEqual(before);
    const bytes = export_onnx_bytes(model, c.example_inputs, c.options);
    const runner = await ort_runner(ort, bytes);
    const got = await runner.run(x.data as Float32Array, x.shape);
    await runner.session.release();
    const cmp = compare_logits(before, got, 10, c.step);
    expect(cmp.top1_agreement).toBeGreaterThanOrEqual(0.999);
    expect(cmp.within_one_step).toBeGreaterThanOrEqual(0.99);
    const x1 = image_batch(x, 0, 1);
    const ops = await ort_op_counts(ort, bytes, x1.data as Float32Array, x1.shape);
    expect(ops.QLinearConv).toBe(12);
    // the ReLU6; the cat's ConvReLU branch needs no Clip: its zero point is 0 since the ReLU6 branch's conv
    // keeps its own observer (torch 1.13's rebinding at the cat)
    expect(ops.Clip).toBe(5);
    expect(ops.Conv).toBeUndefined();
  });
});
