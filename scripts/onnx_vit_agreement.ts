/**
 * FmnistViT's ONNX exports on onnxruntime-web (wasm EP, 1 thread, optimization 'all') against fxq (wasm backend) on
 * the first N test images: fp32 (opset 13 and 17) max |Δ logit|; FX static int8 (per-tensor qnnpack qconfig,
 * calibrated on the first CALIB training images) under the parity and fxq configs: top-1 agreement with fxq's int8,
 * max |Δ logit| and the logit quantization step, and the op types ONNX Runtime ran (a profiling run, one image).
 *
 *   nice npx tsx scripts/onnx_vit_agreement.ts [N=1000] [CALIB=200]
 */
import { export_onnx_bytes } from '../compiler/export/onnx/export.js';
import { convert_fx } from '../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../compiler/quantize_fx/prepare.js';
import { image_batch, load_calibration_images, load_test_images } from '../examples/lib/fmnist_data.js';
import { with_backend } from '../examples/lib/latency.js';
import { compare_logits, fxq_logits, output_step } from '../examples/lib/onnx_cases.js';
import { load_onnxruntime, ort_op_counts, ort_runner } from '../examples/lib/onnx_runtime.js';
import { FmnistViT, load_weights } from '../examples/models/fmnist_vit.js';
import { type nn, no_grad, quantization } from '../index.js';
import { get_fxq_backend_config, get_qnnpack_backend_config } from '../runtime/quantized/op_catalogue/index.js';

const N = Number(process.argv[2] ?? 1000);
const CALIB = Number(process.argv[3] ?? 200);
const B = 50;
const ort = await load_onnxruntime();
const test = load_test_images({ limit: N }).images;
const x1 = image_batch(test, 0, 1);
const fp32 = load_weights(new FmnistViT()).eval();

async function compare(name: string, model: nn.Module, step: number | null, opset = 13) {
  const bytes = export_onnx_bytes(model, [x1], { opset_version: opset });
  const runner = await ort_runner(ort, bytes);
  const want: number[] = [];
  const got: number[] = [];
  for (let s = 0; s < N; s += B) {
    const x = image_batch(test, s, Math.min(B, N - s));
    want.push(...fxq_logits(model, x));
    got.push(...(await runner.run(x.data as Float32Array, x.shape)));
  }
  await runner.session.release();
  const c = compare_logits(want, got, 10, step);
  const ops = await ort_op_counts(ort, bytes, x1.data as Float32Array, x1.shape);
  console.log(
    `${name} (opset ${opset}): ${N} images, top-1 agreement ${(100 * c.top1_agreement).toFixed(2)} %, max |Δ logit| ${c.max_abs_diff.toExponential(2)}` +
      (step === null
        ? ''
        : `, logit step ${step.toExponential(3)}, within one step ${(100 * (c.within_one_step ?? 0)).toFixed(2)} %`),
  );
  console.log(`  ORT ops: ${JSON.stringify(ops)}`);
}

await compare('fp32', fp32, null, 13);
await compare('fp32', fp32, null, 17);
const calib = load_calibration_images({ limit: CALIB }).images;
for (const config of [get_qnnpack_backend_config(), get_fxq_backend_config()]) {
  const q = with_backend('wasm', () => {
    const p = prepare_fx(fp32, { '': quantization.get_default_qconfig('qnnpack') }, [x1], null, {
      backend_config: config,
      warn: false,
    });
    no_grad(() => {
      for (let s = 0; s < CALIB; s += B) p.forward(image_batch(calib, s, Math.min(B, CALIB - s)));
    });
    return convert_fx(p, { warn: false });
  });
  await compare(`int8, ${config.name} config`, q, output_step(q));
  await compare(`int8, ${config.name} config`, q, output_step(q), 17);
}
