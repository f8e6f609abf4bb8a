/**
 * The transformer int8 kernels against every image of PyTorch's FmnistViT static-PTQ golden (the test suite
 * holds image 0 only: tests/runtime/quantized/vit_kernels_golden.test.ts): each quantized.matmul / add / scalar
 * mul / LayerNorm node and each softmax / GELU island, fed its recorded int8 inputs on the js and the wasm
 * backend, against the recorded outputs. Prints the mismatch count per node kind.
 *   npx tsx scripts/check_vit_kernels_reference.ts <reference folder>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { load_safetensors } from '../runtime/io/index.js';
import * as q from '../runtime/quantized/functional/index.js';
import { make_qtensor } from '../runtime/quantized/qtensor.js';
import type { Tensor } from '../runtime/tensor/tensor.js';
import { reference_dir } from './_reference_dir.js';

interface Node {
  name: string;
  target: string;
  args: unknown[];
  module_type?: string;
  out?: { key: string; shape: number[]; scale: number; zero_point: number };
  layer_norm?: { eps: number };
}

const ref_dir = reference_dir('check_vit_kernels_reference.ts');
const base = join(ref_dir, 'golden', 'fmnist_vit_ptq');
const t = load_safetensors(`${base}.safetensors`);
const nodes = (JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { graph_nodes: Node[] }).graph_nodes;
const by_name = new Map(nodes.map((n) => [n.name, n]));
load_wasm_backend();

function qt(name: string): Tensor {
  const o = by_name.get(name)?.out;
  if (!o) throw new Error(`check_vit_kernels_reference: node ${name} has no int8 output`);
  return make_qtensor(t[`${o.key}/out_int`].data as Uint8Array, o.shape, 'quint8', o.scale, o.zero_point);
}

const runs: { kind: string; node: Node; run: () => Tensor }[] = [];
for (const n of nodes) {
  const o = n.out;
  const a = n.args[0] as string;
  if (!o) continue;
  if (n.target === 'matmul')
    runs.push({ kind: 'matmul', node: n, run: () => q.matmul(qt(a), qt(n.args[1] as string), o.scale, o.zero_point) });
  else if (n.target === 'add')
    runs.push({ kind: 'add', node: n, run: () => q.add(qt(a), qt(n.args[1] as string), o.scale, o.zero_point) });
  else if (n.target === 'mul' && typeof n.args[1] === 'number')
    runs.push({ kind: 'mul_scalar', node: n, run: () => q.mul_scalar(qt(a), n.args[1] as number) });
  else if (n.module_type?.endsWith('LayerNorm')) {
    const w = t[`module/${n.target}/ln_weight_fp32`];
    const b = t[`module/${n.target}/ln_bias_fp32`];
    runs.push({
      kind: 'layer_norm',
      node: n,
      run: () => q.layer_norm(qt(a), [w.shape[0]], w, b, n.layer_norm?.eps ?? 1e-5, o.scale, o.zero_point),
    });
  } else if (n.target === 'quantize_per_tensor') {
    const op = by_name.get(a);
    const deq = op && by_name.get(op.args[0] as string);
    if (!op || deq?.target !== 'dequantize') continue;
    const src = deq.args[0] as string;
    if (op.target === 'softmax')
      runs.push({ kind: 'softmax', node: n, run: () => q.softmax_island(qt(src), -1, o.scale, o.zero_point) });
    else if (op.target.endsWith('.act'))
      runs.push({ kind: 'gelu', node: n, run: () => q.gelu_island(qt(src), o.scale, o.zero_point) });
  }
}

for (const backend of ['js', 'wasm'] as const) {
  set_backend(backend);
  const tally = new Map<string, [number, number, number]>();
  for (const { kind, node, run } of runs) {
    const want = t[`${node.out?.key}/out_int`].data as Uint8Array;
    const got = run().data as Uint8Array;
    let bad = 0;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) bad++;
    const [c, e, m] = tally.get(kind) ?? [0, 0, 0];
    tally.set(kind, [c + 1, e + want.length, m + bad]);
  }
  for (const [kind, [c, e, m]] of tally) console.log(`${backend} ${kind}: ${c} nodes, ${e} values, ${m} mismatches`);
}
