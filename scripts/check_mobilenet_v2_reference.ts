/**
 * fxq's MobileNetV2 against the shared reference (not part of `npm test`: the weights and the ONNX file are
 * 14 MB each and live in the reference folder, which a clone does not have). Loads torchvision's weights
 * (random, BN statistics re-estimated) into examples/models/mobilenet_v2.ts, runs 2 random 224² images on the
 * wasm backend and compares with onnxruntime-web's run of reference/onnx/mobilenet_v2.onnx.
 *   npx tsx scripts/check_mobilenet_v2_reference.ts <reference folder>
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load_onnxruntime, ort_runner } from '../examples/lib/onnx_runtime.js';
import create, { load_weights } from '../examples/models/mobilenet_v2.js';
import { Generator, load_wasm_backend, no_grad, randn, set_backend, type Tensor } from '../index.js';
import { reference_dir } from './_reference_dir.js';

const ref_dir = reference_dir('check_mobilenet_v2_reference.ts');
const weights = join(ref_dir, 'weights', 'mobilenet_v2.safetensors');
const onnx = join(ref_dir, 'onnx', 'mobilenet_v2.onnx');
for (const f of [weights, onnx])
  if (!existsSync(f)) {
    console.error(`check_mobilenet_v2_reference: ${f} not found (pass the shared reference folder)`);
    process.exit(2);
  }

const x = randn([2, 3, 224, 224], { generator: new Generator(7) });
const ort = await load_onnxruntime();
const runner = await ort_runner(ort, readFileSync(onnx));
const ref = await runner.run(x.data as Float32Array, x.shape);
load_wasm_backend();
set_backend('wasm');
const model = load_weights(create(), weights).eval();
const y = no_grad(() => model.forward(x) as Tensor);
let max_diff = 0;
let max_ref = 0;
for (let i = 0; i < ref.length; i++) {
  max_diff = Math.max(max_diff, Math.abs((y.data[i] as number) - ref[i]));
  max_ref = Math.max(max_ref, Math.abs(ref[i]));
}
const ok = max_ref > 0.01 && max_diff < 1e-4 + 1e-4 * max_ref;
console.log(
  `MobileNetV2 fp32 vs onnxruntime-web: max |Δ| ${max_diff.toExponential(2)}, max |logit| ${max_ref.toFixed(3)}: ${ok ? 'ok' : 'MISMATCH'}`,
);
process.exit(ok ? 0 : 1);
