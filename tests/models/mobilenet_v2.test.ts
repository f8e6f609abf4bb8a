import { describe, expect, it } from 'vitest';
import { export_onnx_bytes } from '../../compiler/export/onnx/export.js';
import { load_onnxruntime, ort_runner } from '../../examples/lib/onnx_runtime.js';
import create from '../../examples/models/mobilenet_v2.js';
import { Generator, manual_seed, no_grad, randn, type Tensor } from '../../index.js';

// Against torchvision's own weights and ONNX (the project's shared reference, 14 MB each, not in the repo):
// scripts/check_mobilenet_v2_reference.ts.

describe('mobilenet_v2 (torchvision architecture)', () => {
  it("has torchvision's parameter count and state_dict names", () => {
    const model = create();
    let n = 0;
    for (const p of model.parameters()) n += p.numel();
    expect(n).toBe(3_504_872);
    const keys = Object.keys(model.state_dict());
    expect(keys.length).toBe(314);
    expect(keys.slice(0, 3)).toEqual(['features.0.0.weight', 'features.0.1.weight', 'features.0.1.bias']);
    // expand_ratio 1 (features.1) has no expand conv; the others do, with the project conv at conv.2 and its BN at conv.3
    expect(keys).toContain('features.1.conv.0.0.weight');
    expect(keys).toContain('features.1.conv.1.weight');
    expect(keys).toContain('features.1.conv.2.running_var');
    expect(keys).not.toContain('features.1.conv.3.weight');
    expect(keys).toContain('features.17.conv.1.0.weight');
    expect(model.state_dict()['features.17.conv.1.0.weight'].shape).toEqual([960, 1, 3, 3]);
    expect(keys).toContain('features.17.conv.3.running_mean');
    expect(keys).toContain('features.18.0.weight');
    expect(keys.slice(-2)).toEqual(['classifier.1.weight', 'classifier.1.bias']);
  });

  it('maps a small image batch to 1000 finite logits', () => {
    const y = no_grad(
      () =>
        create()
          .eval()
          .forward(randn([2, 3, 64, 64])) as Tensor,
    );
    expect(y.shape).toEqual([2, 1000]);
    expect([...y.data].every(Number.isFinite)).toBe(true);
  });

  it("runs as onnxruntime-web's independent kernels do: fxq's fp32 ONNX export of it, within float rounding", async () => {
    manual_seed(3);
    const model = create().eval();
    const x = randn([2, 3, 64, 64], { generator: new Generator(7) });
    const y = no_grad(() => model.forward(x) as Tensor);
    const ort = await load_onnxruntime();
    const runner = await ort_runner(ort, export_onnx_bytes(model, [x]));
    const ref = await runner.run(x.data as Float32Array, x.shape);
    await runner.session.release();
    let max_diff = 0;
    let max_ref = 0;
    for (let i = 0; i < ref.length; i++) {
      max_diff = Math.max(max_diff, Math.abs((y.data[i] as number) - ref[i]));
      max_ref = Math.max(max_ref, Math.abs(ref[i]));
    }
    expect(ref.length).toBe(2000);
    expect(max_ref).toBeGreaterThan(0);
    // randomly initialised (torchvision's init): small logits, so the bound is relative to them
    expect(max_diff).toBeLessThan(1e-4 * max_ref);
  }, 120_000);
});
