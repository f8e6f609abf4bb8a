/**
 * Writes tests/fixtures/reference/golden/fmnist_vit_ptq.{safetensors,json}: a subset of the shared reference's
 * golden/fmnist_vit_ptq.{safetensors,json} (PyTorch 1.13 FX static PTQ of FmnistViT, per-tensor qnnpack qconfig,
 * calibrated on the first 1,000 training images; first 8 test images; see the reference README, section FmnistViT).
 *
 *   npx tsx scripts/make_vit_ptq_fixture.ts <reference golden dir>
 *
 * Kept: the input batch and the fp32 / int8 logits of the 8 images, every weighted module's int8 weight and
 * scales, and every quantized node's int8 output for image 0 only (`<key>/out_int_img0`: the batch dim sliced;
 * PyTorch's int8 outputs are per image, its batch-1 logits equal its batch-8 ones). All 8 images' node dumps are
 * 3.8 MB. The JSON (graph nodes with qparams, layer norms, float nodes) is kept whole.
 */
import { join } from 'node:path';
import { load_safetensors, type Tensor } from '../runtime/io/index.js';
import { Tensor as T } from '../runtime/tensor/tensor.js';
import { write_golden_fixture } from './_golden_fixture.js';

const src = process.argv[2];
if (!src) {
  console.error('usage: npx tsx scripts/make_vit_ptq_fixture.ts <reference golden dir (fmnist_vit_ptq.*)>');
  process.exit(2);
}
const NAME = 'fmnist_vit_ptq';
const BATCH = 8;

/** Image 0 of a node dump: the batch dim is dim 0, or dim 1 for the permuted qkv [3, N, heads, tokens, d]. */
function image0(t: Tensor, key: string): Tensor {
  const d = t.shape[0] === BATCH ? 0 : t.shape[1] === BATCH ? 1 : -1;
  if (d < 0) return t; // no batch dim (pos_embed quantized)
  const outer = t.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const inner = t.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const src_data = t.data as Uint8Array;
  const out = new Uint8Array(outer * inner);
  for (let o = 0; o < outer; o++) out.set(src_data.subarray(o * BATCH * inner, o * BATCH * inner + inner), o * inner);
  if (t.dtype !== 'uint8') throw new Error(`${key}: expected a uint8 dump, got ${t.dtype}`);
  const shape = [...t.shape];
  shape[d] = 1;
  return new T(out, shape, 'uint8');
}

const all = load_safetensors(join(src, `${NAME}.safetensors`));
const kept: Record<string, Tensor> = {};
for (const [k, t] of Object.entries(all)) {
  if (k.endsWith('/out_int')) kept[`${k}_img0`] = image0(t, k);
  else if (k === 'input/x_u8') continue;
  else kept[k] = t;
}
write_golden_fixture(
  src,
  NAME,
  kept,
  Object.keys(all).length,
  `tests/fixtures copy made by scripts/make_vit_ptq_fixture.ts from the reference's golden/${NAME}.*: node and module int8 outputs of image 0 only (<key>/out_int_img0, batch dim of size 1); input/x_u8 dropped`,
);
