/**
 * Smoke test of the PyTorch quantization guide's snippets ported in examples/: each runs, the int8 (or
 * float16) modules are in place, and the outputs are finite and close to the float model's.
 */
import { describe, expect, it } from 'vitest';
import * as eager_dynamic from '../../examples/eager_dynamic.js';
import * as eager_static from '../../examples/eager_static.js';
import * as qat from '../../examples/qat.js';
import { nn, type Tensor } from '../../index.js';
import { LinearFP16 } from '../../runtime/eager/float16_dynamic.js';
import * as nniq from '../../runtime/quantized/nn_intrinsic_quantized.js';
import * as nnq from '../../runtime/quantized/nn_quantized.js';

function expect_close(res: Tensor, ref: Tensor, tol: number): void {
  expect(res.shape).toEqual(ref.shape);
  expect(res.is_quantized).toBe(false);
  let d = 0;
  for (let i = 0; i < res.numel(); i++) {
    expect(Number.isFinite(res.data[i])).toBe(true);
    d = Math.max(d, Math.abs(res.data[i] - ref.data[i]));
  }
  expect(d).toBeLessThan(tol);
}

describe('PyTorch quantization guide snippets (examples/)', () => {
  it('eager static: M(quant, conv, relu, dequant) → Quantize, ConvReLU2d, DeQuantize; output near float', () => {
    const { model_int8, res, ref } = eager_static.run();
    expect(model_int8.quant).toBeInstanceOf(nnq.Quantize);
    expect(model_int8.conv).toBeInstanceOf(nniq.ConvReLU2d);
    expect(model_int8.relu).toBeInstanceOf(nn.Identity);
    expect(model_int8.dequant).toBeInstanceOf(nnq.DeQuantize);
    expect_close(res, ref, 0.05);
  });

  it('dynamic: M(fc) → dynamic qint8 Linear and float16 Linear; outputs near float', () => {
    const { model_int8, model_fp16, res, res_fp16, ref } = eager_dynamic.run();
    expect(model_int8.fc).toBeInstanceOf(nn.quantized.dynamic.Linear);
    expect(model_fp16.fc).toBeInstanceOf(LinearFP16);
    expect_close(res, ref, 0.05);
    expect_close(res_fp16, ref, 2e-3);
  });

  it('QAT: M(quant, conv, bn, relu, dequant) trains, converts to int8, output near the trained float model', () => {
    const { model_int8, res, ref, losses } = qat.run();
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(model_int8.quant).toBeInstanceOf(nnq.Quantize);
    expect(model_int8.conv).toBeInstanceOf(nniq.ConvReLU2d);
    expect(model_int8.dequant).toBeInstanceOf(nnq.DeQuantize);
    expect_close(res, ref, 0.06);
  });
});
