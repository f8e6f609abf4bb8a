/**
 * Writes tests/fixtures/quantized/fmnist_vit_kernels.safetensors, the lean subset of PyTorch's FmnistViT static-PTQ
 * golden that tests/runtime/quantized/vit_kernels_golden.test.ts feeds through the transformer int8 kernels:
 * image 0 of every quantized.matmul, quantized.add, scalar mul, quantized LayerNorm, softmax island and GELU
 * island node (their int8 inputs and outputs; LayerNorm weight / bias). Source: the shared reference's
 * golden/fmnist_vit_ptq.{json,safetensors} (PyTorch 1.13, qnnpack, first 8 test images; README "FmnistViT").
 *   npx tsx scripts/extract_vit_kernel_fixture.ts <reference folder>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load_safetensors } from '../runtime/io/index.js';
import { serialize_safetensors } from '../runtime/io/safetensors.js';
import { Tensor } from '../runtime/tensor/tensor.js';
import { reference_dir } from './_reference_dir.js';

interface Out {
  key: string;
  shape: number[];
  scale: number;
  zero_point: number;
}
interface Node {
  name: string;
  op: string;
  target: string;
  args: unknown[];
  module_type?: string;
  out?: Out;
  layer_norm?: { eps: number };
}

const ref_dir = reference_dir('extract_vit_kernel_fixture.ts');
const base = join(ref_dir, 'golden', 'fmnist_vit_ptq');
const t = load_safetensors(`${base}.safetensors`);
const json = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { graph_nodes: Node[] };
const nodes = new Map(json.graph_nodes.map((n) => [n.name, n]));
const BATCH = 8;

const tensors: Record<string, Tensor> = {};
/** Image 0 of a node's int8 output (tensors without the batch dim, such as the quantized pos_embed, whole). */
function take(name: string): Out & { name: string } {
  const n = nodes.get(name);
  if (!n?.out) throw new Error(`extract_vit_kernel_fixture: node ${name} has no int8 output`);
  const data = t[`${n.out.key}/out_int`].data as Uint8Array;
  const shape = [...n.out.shape];
  let bytes = data;
  if (shape[0] === BATCH) {
    bytes = data.slice(0, data.length / BATCH);
    shape[0] = 1;
  }
  tensors[name] = new Tensor(bytes, shape, 'uint8');
  return { name, key: n.out.key, shape, scale: n.out.scale, zero_point: n.out.zero_point };
}
const arg = (n: Node, i: number) => n.args[i] as string;

const cases: Record<string, unknown>[] = [];
for (const n of json.graph_nodes) {
  if (n.target === 'matmul' || n.target === 'add') {
    cases.push({ kind: n.target, a: take(arg(n, 0)), b: take(arg(n, 1)), out: take(n.name) });
  } else if (n.target === 'mul' && typeof n.args[1] === 'number') {
    cases.push({ kind: 'mul_scalar', a: take(arg(n, 0)), scalar: n.args[1], out: take(n.name) });
  } else if (n.module_type?.endsWith('LayerNorm')) {
    for (const w of ['ln_weight_fp32', 'ln_bias_fp32']) tensors[`${n.target}/${w}`] = t[`module/${n.target}/${w}`];
    cases.push({ kind: 'layer_norm', module: n.target, eps: n.layer_norm?.eps, a: take(arg(n, 0)), out: take(n.name) });
  } else if (n.target === 'quantize_per_tensor') {
    // softmax / GELU islands: quantize_per_tensor(op(dequantize(x)))
    const op = nodes.get(arg(n, 0));
    const deq = op && nodes.get(arg(op, 0));
    if (!op || !deq || deq.target !== 'dequantize') continue;
    const kind = op.target === 'softmax' ? 'softmax' : op.target.endsWith('.act') ? 'gelu' : null;
    if (kind) cases.push({ kind, a: take(arg(deq, 0)), out: take(n.name) });
  }
}
const out = join(import.meta.dirname, '..', 'tests', 'fixtures', 'quantized', 'fmnist_vit_kernels.safetensors');
const bytes = serialize_safetensors(tensors, {
  source: 'shared reference golden/fmnist_vit_ptq (PyTorch 1.13 FX static PTQ, qnnpack), image 0',
  cases: JSON.stringify(cases),
});
writeFileSync(out, bytes);
const counts: Record<string, number> = {};
for (const c of cases) counts[c.kind as string] = (counts[c.kind as string] ?? 0) + 1;
console.log(`wrote ${out}: ${bytes.length} bytes, cases ${JSON.stringify(counts)}`);
