import { describe, expect, it } from 'vitest';
import { convert_fx, prepare_fx } from '../../compiler/quantize_fx.js';
import { image_batch, load_calibration_images, load_test_images } from '../../examples/lib/fmnist_data.js';
import create, { load_weights } from '../../examples/models/fmnist_mobilenet.js';
import { no_grad, quantization, type Tensor } from '../../index.js';
import { get_backend, set_backend } from '../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../runtime/backends/wasm/index.js';

// correct predictions on the first 1,000 test images of the committed weights (examples/weights/fmnist_mobilenet),
// measured on wasm when the weights were trained: fp32, and int8 (qnnpack PTQ on the first 200 training images).
// On the 10k test set: fp32 87.88%, int8 87.37% (parity config, per-tensor, calibrated on 1,000 images)
const FP32_CORRECT_1000 = 892;
const INT8_CORRECT_1000 = 886;

function correct(model: { call(x: Tensor): unknown }, images: Tensor, labels: ArrayLike<number>): number {
  let n = 0;
  for (let s = 0; s < 1000; s += 250) {
    const pred = no_grad(() => (model.call(image_batch(images, s, 250)) as Tensor).argmax(1).data);
    for (let i = 0; i < 250; i++) if (Number(pred[i]) === labels[s + i]) n++;
  }
  return n;
}

describe('FmnistMobileNet (trained by fxq)', () => {
  it('loads the committed weights strictly (66,514 parameters)', () => {
    const model = load_weights(create());
    let n = 0;
    for (const p of model.parameters()) n += p.numel();
    expect(n).toBe(66_514);
  });

  it('keeps its committed fp32 and int8 accuracy on the first 1,000 test images', () => {
    const prev = get_backend().name;
    load_wasm_backend();
    set_backend('wasm');
    try {
      const model = load_weights(create()).eval();
      const test = load_test_images({ limit: 1000 });
      const labels = test.labels;
      // wasm's fp32 summation order (relaxed SIMD or not) may move a borderline image: allow 2
      expect(Math.abs(correct(model, test.images, labels) - FP32_CORRECT_1000)).toBeLessThanOrEqual(2);
      const calib = load_calibration_images({ limit: 200 });
      const prepared = prepare_fx(model, { '': quantization.get_default_qconfig('qnnpack') }, [
        image_batch(calib.images, 0, 1),
      ]);
      no_grad(() => {
        for (let s = 0; s < 200; s += 50) prepared.call(image_batch(calib.images, s, 50));
      });
      const int8 = convert_fx(prepared, { fold_clamps: true });
      expect(Math.abs(correct(int8, test.images, labels) - INT8_CORRECT_1000)).toBeLessThanOrEqual(3);
    } finally {
      set_backend(prev);
    }
  });
});
