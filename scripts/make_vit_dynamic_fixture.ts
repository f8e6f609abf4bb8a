/**
 * Writes tests/fixtures/reference/golden/fmnist_vit_dynamic.{safetensors,json}: a copy of the shared reference's
 * golden/fmnist_vit_dynamic.{safetensors,json} (PyTorch 1.13 `quantize_dynamic(FmnistViT, {nn.Linear}, qint8)` on
 * qnnpack, first 8 test images; see the reference README, section FmnistViT), checked and re-serialized.
 *
 *   npx tsx scripts/make_vit_dynamic_fixture.ts <reference golden dir>
 *
 * Kept: the input batch, the fp32 and dynamic-int8 logits, every Linear's int8 weight / scale / zero point / float
 * bias, and the float input and output of image 0 of all 17 Linears (~0.8 MB: under pytorch_x86_zen5 numerics the
 * test checks every one of them bit for bit). With `--io block0` only block 0's four Linears and the head keep
 * their input / output (~0.33 MB).
 */
import { join } from 'node:path';
import { load_safetensors, type Tensor } from '../runtime/io/index.js';
import { write_golden_fixture } from './_golden_fixture.js';

const src = process.argv[2];
if (!src) {
  console.error(
    'usage: npx tsx scripts/make_vit_dynamic_fixture.ts <reference golden dir (fmnist_vit_dynamic.*)> [--io block0]',
  );
  process.exit(2);
}
const NAME = 'fmnist_vit_dynamic';
const only_block0 = process.argv.includes('--io') && process.argv[process.argv.indexOf('--io') + 1] === 'block0';
const BLOCK0 = new Set(['blocks.0.qkv', 'blocks.0.proj', 'blocks.0.fc1', 'blocks.0.fc2', 'head']);

const all = load_safetensors(join(src, `${NAME}.safetensors`));
if (!(all['int8/logits_dynamic'] && all['input/x_fp32']))
  throw new Error(`${src}/${NAME}.safetensors: not the dynamic golden`);
const kept: Record<string, Tensor> = {};
for (const [k, t] of Object.entries(all)) {
  const [owner, what] = k.split('/');
  const io = what === 'in_fp32_img0' || what === 'out_fp32_img0';
  if (!io || !only_block0 || BLOCK0.has(owner)) kept[k] = t;
}
write_golden_fixture(
  src,
  NAME,
  kept,
  Object.keys(all).length,
  `copied by scripts/make_vit_dynamic_fixture.ts from the reference's golden/${NAME}.*${only_block0 ? ` (image-0 inputs / outputs of ${[...BLOCK0].join(', ')} only)` : ''}`,
);
