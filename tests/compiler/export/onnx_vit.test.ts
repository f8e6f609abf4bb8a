// FmnistViT → ONNX on onnxruntime-web (wasm EP, 1 thread): fp32 (opset 13's decomposed LayerNorm and opset 17's
// LayerNormalization) against fxq within 1e-4; FX static int8 under the parity config (torch 1.13's float
// islands) and the fxq config (int8 attention: integer softmax, GELU table, shared getitem qparams) against fxq's
// int8 logits. ORT's float islands (softmax, GELU, LayerNorm between DQ and Q) round as its float kernels do, not
// as fxq's tables and PyTorch's kernels, so int8 agreement is top-1 and a bounded logit difference, not bit-exact.
import { beforeAll, describe, expect, it } from 'vitest';
import { export_onnx_bytes } from '../../../compiler/export/onnx/export.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { image_batch, load_calibration_images, load_test_images } from '../../../examples/lib/fmnist_data.js';
import { with_backend } from '../../../examples/lib/latency.js';
import { compare_logits, fxq_logits } from '../../../examples/lib/onnx_cases.js';
import { load_onnxruntime, type Ort, ort_op_counts, ort_runner } from '../../../examples/lib/onnx_runtime.js';
import { FmnistViT, load_weights } from '../../../examples/models/fmnist_vit.js';
import { nn, no_grad, quantization, type Tensor } from '../../../index.js';
import { get_fxq_backend_config, get_qnnpack_backend_config } from '../../../runtime/quantized/op_catalogue/index.js';

const N = 16;
const CALIB = 32;
let ort: Ort;
const x = image_batch(load_test_images({ limit: N }).images, 0, N);
const x1 = image_batch(load_test_images({ limit: 1 }).images, 0, 1);
const fp32 = load_weights(new FmnistViT()).eval();

beforeAll(async () => {
  ort = await load_onnxruntime();
});

async function run(model: nn.Module, opset = 13) {
  const bytes = export_onnx_bytes(model, [x1], { opset_version: opset });
  const runner = await ort_runner(ort, bytes);
  const got = await runner.run(x.data as Float32Array, x.shape);
  await runner.session.release();
  const ops = await ort_op_counts(ort, bytes, x1.data as Float32Array, x1.shape);
  return { cmp: compare_logits(fxq_logits(model, x), got, 10, null), ops };
}

function int8(config: ReturnType<typeof get_qnnpack_backend_config>): nn.Module {
  const calib = load_calibration_images({ limit: CALIB }).images;
  return with_backend('wasm', () => {
    const p = prepare_fx(fp32, { '': quantization.get_default_qconfig('qnnpack') }, [x1], null, {
      backend_config: config,
      warn: false,
    });
    no_grad(() => p.forward(image_batch(calib, 0, CALIB)));
    return convert_fx(p, { warn: false });
  });
}

class Act extends nn.Module {
  act = new nn.GELU();
  forward(x: Tensor): Tensor {
    return this.act.forward(x);
  }
}

describe('FmnistViT → ONNX on onnxruntime-web', () => {
  it.each([13, 17])('fp32, opset %i: fxq’s logits within 1e-4', async (opset) => {
    const { cmp, ops } = await run(fp32, opset);
    console.log(`vit fp32 opset ${opset}`, cmp.max_abs_diff, JSON.stringify(ops));
    expect(cmp.max_abs_diff).toBeLessThan(1e-4);
    expect(ops.LayerNormalization ?? 0).toBe(opset >= 17 ? 9 : 0);
  });

  it.each([
    ['parity', get_qnnpack_backend_config()],
    ['fxq', get_fxq_backend_config()],
  ] as const)('int8 (%s config): fxq’s top-1, logits close', async (name, config) => {
    const q = int8(config);
    const { cmp, ops } = await run(q);
    console.log(`vit int8 ${name}`, cmp.top1_agreement, cmp.max_abs_diff, JSON.stringify(ops));
    expect(cmp.top1_agreement).toBe(1);
    expect(cmp.max_abs_diff).toBeLessThan(0.5);
    expect(ops.QLinearMatMul).toBe(8);
    expect(ops.QLinearSoftmax).toBe(4);
    // the fxq config's GELU is fxq's table (Cast + Gather on the bytes), the parity config's a float Erf island
    expect([ops.Cast, ops.Erf]).toEqual(name === 'fxq' ? [4, undefined] : [undefined, 4]);
  });

  it('quantized.gelu_island as its table is bit-exact to fxq', async () => {
    const m = new Act().eval();
    const calib = load_calibration_images({ limit: 4 }).images;
    const p = prepare_fx(m, { '': quantization.get_default_qconfig('qnnpack') }, [x1], null, {
      backend_config: get_fxq_backend_config(),
      warn: false,
    });
    no_grad(() => p.forward(image_batch(calib, 0, 4)));
    const q = convert_fx(p, { warn: false });
    expect(q.graph.nodes.some((n) => n.target === 'quantized.gelu_island')).toBe(true);
    const runner = await ort_runner(ort, export_onnx_bytes(q, [x1]));
    const got = await runner.run(x.data as Float32Array, x.shape);
    await runner.session.release();
    expect(Array.from(got)).toEqual(Array.from(fxq_logits(q, x)));
  });
});
