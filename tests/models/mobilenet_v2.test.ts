import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import create, { load_weights } from '../../examples/models/mobilenet_v2.js';
import { Generator, load_wasm_backend, no_grad, randn, set_backend, type Tensor } from '../../index.js';
import { get_backend } from '../../runtime/backends/registry.js';

// torchvision's weights (random, BN statistics re-estimated) and its fp32 ONNX export, from the shared reference
// (../shared next to the checkout; a worktree sits one level deeper, so look up the tree)
function find_shared(dir: string): string {
  for (let d = dir; dirname(d) !== d; d = dirname(d))
    if (existsSync(join(d, 'shared', 'reference'))) return join(d, 'shared', 'reference');
  return join(dir, 'shared', 'reference');
}
const SHARED = find_shared(import.meta.dirname);
const WEIGHTS = join(SHARED, 'weights', 'mobilenet_v2.safetensors');
const ONNX = join(SHARED, 'onnx', 'mobilenet_v2.onnx');
const have_reference = existsSync(WEIGHTS) && existsSync(ONNX);

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

  it.skipIf(!have_reference)(
    "matches onnxruntime-web's fp32 run of reference/onnx/mobilenet_v2.onnx on the reference weights",
    async () => {
      const ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      const session = await ort.InferenceSession.create(readFileSync(ONNX), { executionProviders: ['wasm'] });
      const x = randn([2, 3, 224, 224], { generator: new Generator(7) });
      const out = await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, [2, 3, 224, 224]) });
      const ref = out.logits.data as Float32Array;
      const model = load_weights(create(), WEIGHTS).eval();
      const prev = get_backend().name;
      load_wasm_backend();
      set_backend('wasm');
      let y: Tensor;
      try {
        y = no_grad(() => model.forward(x));
      } finally {
        set_backend(prev);
      }
      expect(y.shape).toEqual([2, 1000]);
      let max_diff = 0;
      let max_ref = 0;
      for (let i = 0; i < ref.length; i++) {
        max_diff = Math.max(max_diff, Math.abs(y.data[i] - ref[i]));
        max_ref = Math.max(max_ref, Math.abs(ref[i]));
      }
      // BN folded by the exporter and other summation orders: agreement to float32 rounding, far below the logits' size
      expect(max_ref).toBeGreaterThan(0.01);
      expect(max_diff).toBeLessThan(1e-4 + 1e-4 * max_ref);
    },
    120_000,
  );
});
