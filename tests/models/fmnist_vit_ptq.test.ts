/**
 * FmnistViT FX static PTQ (per-tensor qnnpack qconfig) against PyTorch 1.13's converted model
 * (tests/fixtures/reference/golden/fmnist_vit_ptq.*, made by scripts/make_vit_ptq_fixture.ts): the same
 * converted graph node for node (names included), the same int8 / float decision for every op, observer sharing
 * as torch's, and — with torch's activation qparams — every int8 node output of image 0 and the logits of the 8
 * golden images. fxq's own calibration (1,000 images) is checked by scripts/check_vit_ptq.ts (too slow here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { load_quantized, save_quantized } from '../../compiler/artifact/node/index.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Node } from '../../compiler/ir/node.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { FmnistViT, load_weights } from '../../examples/models/fmnist_vit.js';
import { with_fp32_numerics } from '../../runtime/backends/fp32_numerics.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { load_golden, node_outputs } from '../compiler/quantize_fx_helpers.js';
import { apply_golden_qparams, type GoldenNode, golden_rows, is_int8 } from './vit_ptq_helpers.js';

const golden = load_golden('fmnist_vit_ptq');
const gnodes = golden.json.graph_nodes as GoldenNode[];
const x = golden.t['input/x_fp32'];
const x0 = x.narrow(0, 0, 1);

let prepared: GraphModule;
let q: GraphModule;
beforeAll(() => {
  prepared = prepare_fx(load_weights(new FmnistViT()).eval(), { '': get_default_qconfig('qnnpack') }, [x], null, {
    warn: false,
  });
  prepared.forward(x); // any calibration gives the graph; the qparams are set to torch's below
  q = convert_fx(prepared, { warn: false });
  apply_golden_qparams(q, golden.json);
});

describe('FmnistViT convert_fx vs PyTorch 1.13 FX (per-tensor qnnpack)', () => {
  it('prepare: 69 activation observers, shared as torch shares them ({matmul, mul}, {qkv Linear, reshape, permute})', () => {
    const obs = prepared.graph.nodes.filter((n) => n.op === 'call_module' && n.target.startsWith('activation_post'));
    expect(new Set(obs.map((n) => n.target)).size).toBe(69);
    const after = (name: string) =>
      (obs.find((o) => (o.args[0] as Node).name === name) as Node | undefined)?.target ?? `none after ${name}`;
    for (const b of [0, 1, 2, 3]) {
      const s = b === 0 ? '' : `_${b}`;
      const qkv = after(`blocks_${b}_qkv`);
      expect(after(`reshape${b ? `_${2 * b}` : ''}`)).toBe(qkv);
      expect(after(`permute${s}`)).toBe(qkv);
      expect(after(`mul${s}`)).toBe(after(`matmul${b ? `_${2 * b}` : ''}`));
    }
  });

  it('the converted graph is torch’s node for node: names and ops (x[…] is fxq’s Tensor.index, torch’s getitem)', () => {
    expect(golden_rows(q.graph.nodes)).toEqual(gnodes.map((n) => `${n.op} ${n.name}`));
    const count = (t: string) => q.graph.nodes.filter((n) => n.target === t).length;
    expect([count('quantize_per_tensor'), count('dequantize')]).toEqual([25, 15]);
    const classes = q.graph.nodes
      .filter((n) => n.op === 'call_module')
      .map((n) => q.get_submodule(n.target).constructor.name);
    expect(classes.filter((c) => c === 'Linear')).toHaveLength(17);
    expect(classes.filter((c) => c === 'LayerNorm')).toHaveLength(9);
    expect(classes.filter((c) => c === 'Conv2d')).toHaveLength(1);
    for (const [op, k] of [
      ['quantized.matmul', 8],
      ['quantized.mul_scalar', 4],
      ['quantized.add', 9],
      ['quantized.cat', 1],
      ['softmax', 4],
    ] as const)
      expect(count(op), op).toBe(k);
    for (const n of gnodes.filter((g) => g.op === 'call_module'))
      expect(q.get_submodule(n.target).constructor.name, n.name).toBe(n.module_type?.split('.').pop());
  });

  it('makes torch’s int8 / float decision for every op (each node’s output dtype, image 0)', () => {
    const outs = with_fp32_numerics('pytorch_x86_zen5', () => node_outputs(q, x0));
    const float_nodes = new Set(golden.json.float_nodes as string[]);
    let checked = 0;
    for (const g of gnodes) {
      if (g.out_dtype !== 'quint8' && g.out_dtype !== 'float32') continue;
      if (g.op === 'get_attr' || g.op === 'placeholder') continue;
      expect(is_int8(outs.get(g.name)), g.name).toBe(g.out_dtype === 'quint8');
      expect(float_nodes.has(g.name), g.name).toBe(g.out_dtype === 'float32');
      checked++;
    }
    expect(checked).toBe(133); // every call_module / call_function / call_method node with a tensor output
  });

  it('with torch’s qparams, every int8 node output of image 0 equals PyTorch’s (pytorch_x86_zen5 float islands)', () => {
    const outs = with_fp32_numerics('pytorch_x86_zen5', () => node_outputs(q, x0));
    let total = 0;
    let exact = 0;
    let nodes = 0;
    const off: string[] = [];
    for (const g of gnodes) {
      if (!g.out) continue;
      const mine = outs.get(g.name) as Tensor;
      const want = golden.t[`${g.out.key}/out_int_img0`];
      expect(mine.shape, g.name).toEqual(want.shape);
      expect(mine.q_scale(), g.name).toBe(Math.fround(g.out.scale));
      expect(mine.q_zero_point(), g.name).toBe(g.out.zero_point);
      let e = 0;
      for (let i = 0; i < want.data.length; i++) {
        const d = Math.abs(mine.data[i] - want.data[i]);
        expect(d, `${g.name}[${i}]`).toBeLessThanOrEqual(1);
        if (d === 0) e++;
      }
      if (e < want.data.length) off.push(`${g.name}: ${want.data.length - e} of ${want.data.length} off by one`);
      total += want.data.length;
      exact += e;
      nodes++;
    }
    console.log(`FmnistViT golden, image 0: ${nodes} int8 nodes, ${exact} / ${total} values exact`, off);
    expect(nodes).toBe(gnodes.filter((g) => g.out).length);
    expect(exact / total).toBeGreaterThanOrEqual(0.999);
  });

  it('with torch’s qparams, the int8 logits of the 8 golden images are within one output step (and the same classes)', () => {
    const out = with_fp32_numerics('pytorch_x86_zen5', () => q.forward(x) as Tensor);
    const want = (golden.json.int8_logits as number[][]).flat();
    const step = Math.fround(gnodes.find((g) => g.name === 'head')?.out?.scale as number);
    let within = 0;
    let exact = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(out.data[i] - want[i]);
      if (d <= step * 1.0001) within++;
      if (out.data[i] === Math.fround(want[i])) exact++;
    }
    console.log(`FmnistViT int8 logits: ${exact} / ${want.length} exact, ${within} within one step`);
    expect(within / want.length).toBeGreaterThanOrEqual(0.99);
    const argmax = (d: ArrayLike<number>, r: number) => {
      let b = 0;
      for (let j = 1; j < 10; j++) if (d[r * 10 + j] > d[r * 10 + b]) b = j;
      return b;
    };
    for (let r = 0; r < 8; r++) expect(argmax(out.data, r), `image ${r}`).toBe(argmax(want, r));
  });

  it('save_quantized → load_quantized: the reloaded model (no FmnistViT class) gives the same logits bit for bit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fxq-vit-ptq-'));
    try {
      const path = join(dir, 'vit.safetensors');
      save_quantized(q, path);
      const back = load_quantized(path);
      const run = (m: GraphModule) => with_fp32_numerics('pytorch_x86_zen5', () => [...(m.forward(x) as Tensor).data]);
      expect(run(back)).toEqual(run(q));
      const types = back.graph.nodes.filter((n) => n.op === 'call_module').map((n) => back.get_submodule(n.target));
      expect(types.filter((m) => m.constructor.name === 'LayerNorm')).toHaveLength(9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('int8 weights and weight scales equal torch’s for the patch conv and all 17 Linears', () => {
    const mods = golden.json.quantized_weighted_modules as Record<string, { weight_scale: number[] }>;
    expect(Object.keys(mods)).toHaveLength(18);
    for (const [name, meta] of Object.entries(mods)) {
      const w = (q.get_submodule(name) as unknown as { weight(): Tensor }).weight();
      const qz = w.quantizer;
      expect(qz?.kind === 'per_tensor' ? qz.scale : null, name).toBe(Math.fround(meta.weight_scale[0]));
      expect([...w.data], name).toEqual([...golden.t[`module/${name}/weight_int8`].data]);
    }
  });
});
