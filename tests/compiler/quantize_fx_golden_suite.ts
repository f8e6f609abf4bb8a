/**
 * The FX PTQ checks against PyTorch 1.13's goldens (qnnpack qconfig, same calibration images), shared by
 * the FmnistCNN and FmnistResNet test files: converted graph, weight qparams and int8 weights, activation
 * qparams from fxq's own calibration (run under with_fp32_numerics('pytorch_x86') so the observers see
 * PyTorch's float bits; on the wasm backend, whose PyTorch-x86 conv equals the JS loop), logits, per-node
 * int8 outputs, model size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Node } from '../../compiler/ir/node.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { with_fp32_numerics } from '../../runtime/backends/fp32_numerics.js';
import { set_backend } from '../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../runtime/backends/wasm/index.js';
import type { Module } from '../../runtime/nn/module.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { FixedQParamsObserver } from '../../runtime/quant/simple_observers.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import {
  calibrate_yielding,
  calibration_images,
  load_golden,
  node_outputs,
  state_dict_bytes,
} from './quantize_fx_helpers.js';

interface GNode {
  name: string;
  op: string;
  target: string;
  module_type?: string;
  value?: number;
  out?: { key: string; scale: number; zero_point: number };
}
/**
 * The PTQ-vs-golden checks for one reference model (`name` = golden stem, e.g. 'fmnist_resnet').
 */
export function ptq_golden_suite(name: string, pretrained: () => Module, checks: (q: GraphModule) => void): void {
  const golden = load_golden(`${name}_ptq`);
  const gnodes = golden.json.graph_nodes as GNode[];
  const gmods = golden.json.quantized_weighted_modules as Record<
    string,
    { weight_scale: number[]; out_scale: number; out_zero_point: number }
  >;
  const x = golden.t['input/x_fp32'];
  const int8_logits = (golden.json.int8_logits as number[][]).flat();

  let fp32: Module;
  let prepared: GraphModule;
  let quantized: GraphModule;
  beforeAll(async () => {
    fp32 = pretrained().eval();
    prepared = prepare_fx(fp32, { '': get_default_qconfig('qnnpack') }, [x]);
    // on the wasm backend: its form of the PyTorch-x86 conv equals the JS loop bit for bit and is faster
    load_wasm_backend();
    set_backend('wasm');
    try {
      await with_fp32_numerics('pytorch_x86', () => calibrate_yielding(prepared, calibration_images(1000)));
    } finally {
      set_backend('js');
    }
    quantized = convert_fx(prepared);
  }, 240_000);

  describe(`convert_fx(${name}) vs PyTorch FX`, () => {
    it('produces torch’s converted graph: same node names and ops (qparam get_attr nodes included), int8 modules and ops', () => {
      const rows = (g: { name: string; op: string }[]) => g.map((n) => `${n.op} ${n.name}`);
      expect(rows(quantized.graph.nodes)).toEqual(rows(gnodes));
      // and the same module classes: int8 modules, and the float pooling modules torch keeps (called on
      // quantized tensors)
      const by_name = new Map(quantized.graph.nodes.map((n) => [n.name, n]));
      for (const n of gnodes.filter((v) => v.op === 'call_module')) {
        expect(by_name.get(n.name)?.target, n.name).toBe(n.target);
        const cls = quantized.get_submodule(n.target).constructor.name;
        expect(cls, n.name).toBe(n.module_type?.split('.').pop());
      }
      // the qparams of int8 functional ops are buffers with torch's names, so they are in state_dict
      const sd = quantized.state_dict();
      for (const n of gnodes.filter((v) => v.op === 'get_attr')) {
        expect(Object.keys(sd), n.target).toContain(n.target);
        const v = sd[n.target].data[0];
        if (n.target.includes('zero_point')) expect(Math.abs(v - (n.value as number)), n.target).toBeLessThanOrEqual(2);
        else expect(Math.abs(v / (n.value as number) - 1), n.target).toBeLessThan(0.1);
      }
      const by = new Map(quantized.graph.nodes.map((n) => [n.name, n]));
      expect(by.get('flatten')?.target).toBe('quantized.flatten');
      checks(quantized);
    });

    it('quantizes the input with torch’s exact qparams (stored as conv1_input_scale_0 / _zero_point_0)', () => {
      const sd = quantized.state_dict();
      const g = (n: string) => gnodes.find((v) => v.name === n)?.value;
      expect(sd.conv1_input_scale_0.data[0]).toBe(Math.fround(g('conv1_input_scale_0') as number));
      expect(sd.conv1_input_zero_point_0.data[0]).toBe(g('conv1_input_zero_point_0'));
    });

    it('weight scales and int8 weights equal torch’s for every weighted module', () => {
      for (const [name, meta] of Object.entries(gmods)) {
        const mod = quantized.get_submodule(name) as unknown as { weight(): Tensor };
        const w = mod.weight();
        const q = w.quantizer;
        expect(q?.kind, name).toBe('per_tensor');
        expect(q?.kind === 'per_tensor' ? q.scale : 0, name).toBe(Math.fround(meta.weight_scale[0]));
        expect([...w.data], name).toEqual([...golden.t[`module/${name}/weight_int8`].data]);
      }
    });

    it('own calibration: every activation qparam equals torch’s bit for bit', () => {
      const sd = quantized.state_dict();
      const got: [string, number, number, number, number][] = [];
      for (const [mod, meta] of Object.entries(gmods)) {
        const m = quantized.get_submodule(mod) as unknown as { scale: number; zero_point: number };
        got.push([mod, m.scale, Math.fround(meta.out_scale), m.zero_point, meta.out_zero_point]);
      }
      for (const n of gnodes.filter((v) => v.op === 'get_attr' && v.target.endsWith('_scale_0'))) {
        const zp = n.target.replace(/_scale_0$/, '_zero_point_0');
        const want_zp = gnodes.find((v) => v.target === zp)?.value as number;
        got.push([n.target, sd[n.target].data[0], Math.fround(n.value as number), sd[zp].data[0], want_zp]);
      }
      expect(got.length).toBeGreaterThan(3);
      for (const [what, scale, want_scale, zp, want_zp] of got) {
        expect(scale, what).toBe(want_scale);
        expect(zp, what).toBe(want_zp);
      }
    });

    it('own calibration: dequantized int8 logits equal torch’s (so within one output step), same top-1', () => {
      const out = quantized.forward(x) as Tensor;
      const last = [...gnodes].reverse().find((n) => n.op === 'call_module') as GNode;
      const step = gmods[last.target].out_scale;
      let within = 0;
      let exact = 0;
      for (let i = 0; i < int8_logits.length; i++) {
        if (Math.abs(out.data[i] - int8_logits[i]) <= step * 1.0001) within++;
        if (out.data[i] === Math.fround(int8_logits[i])) exact++;
      }
      expect(within / int8_logits.length).toBeGreaterThanOrEqual(0.99);
      // with every qparam equal, the dequantized logits are torch's bit for bit
      expect(exact).toBe(int8_logits.length);
      const argmax = (d: ArrayLike<number>, r: number) => {
        let b = 0;
        for (let j = 1; j < 10; j++) if (d[r * 10 + j] > d[r * 10 + b]) b = j;
        return b;
      };
      for (let r = 0; r < 8; r++) expect(argmax(out.data, r)).toBe(argmax(int8_logits, r));
    });

    it('own calibration: every int8 node output matches the golden: each node ≥ 99.9% exact, max diff 1', () => {
      const outs = node_outputs(quantized, x);
      let nodes = 0;
      for (const gn of gnodes) {
        if (!gn.out) continue;
        const mine = (outs.get(gn.name) as Tensor).data;
        const want = golden.t[`${gn.out.key}/out_int`].data;
        expect(mine.length, gn.name).toBe(want.length);
        let exact = 0;
        let max = 0;
        for (let i = 0; i < want.length; i++) {
          const d = Math.abs(mine[i] - want[i]);
          if (d === 0) exact++;
          if (d > max) max = d;
        }
        expect(exact / want.length, gn.name).toBeGreaterThanOrEqual(0.999);
        expect(max, gn.name).toBeLessThanOrEqual(1);
        nodes++;
      }
      expect(nodes).toBeGreaterThan(5);
    });

    it('with torch’s activation qparams, every int8 node output matches the golden: ≥ 99.9% exact, max diff 1', () => {
      // replace each observer by a FixedQParamsObserver holding the golden qparams of what it observes
      const g_attr = (n: string) => gnodes.find((v) => v.name === n)?.value;
      for (const o of prepared.graph.nodes) {
        if (o.op !== 'call_module' || !o.target.startsWith('activation_post_process')) continue;
        const src = o.args[0] as Node;
        let qp: [number, number] | null = null;
        if (o.meta.input_of)
          qp = [g_attr(`${o.meta.input_of}_input_scale_0`), g_attr(`${o.meta.input_of}_input_zero_point_0`)] as [
            number,
            number,
          ];
        else if (src.op === 'call_module' && gmods[src.target])
          qp = [gmods[src.target].out_scale, gmods[src.target].out_zero_point];
        else if (g_attr(`${src.name}_scale_0`) !== undefined)
          qp = [g_attr(`${src.name}_scale_0`), g_attr(`${src.name}_zero_point_0`)] as [number, number];
        if (qp) prepared.add_submodule(o.target, new FixedQParamsObserver({ scale: qp[0], zero_point: qp[1] }));
      }
      const q2 = convert_fx(prepared);
      const outs = node_outputs(q2, x);
      let total = 0;
      let exact = 0;
      let max = 0;
      for (const gn of gnodes) {
        if (!gn.out) continue;
        const mine = outs.get(gn.name) as Tensor;
        const want = golden.t[`${gn.out.key}/out_int`].data;
        expect(
          mine.shape.reduce((a, b) => a * b, 1),
          gn.name,
        ).toBe(want.length);
        for (let i = 0; i < want.length; i++) {
          const d = Math.abs(mine.data[i] - want[i]);
          total++;
          if (d === 0) exact++;
          max = Math.max(max, d);
        }
      }
      expect(exact / total).toBeGreaterThanOrEqual(0.999);
      expect(max).toBeLessThanOrEqual(1);
      // and the dequantized logits are within one output step of torch's on every value
      const logits = q2.forward(x) as Tensor;
      for (let i = 0; i < int8_logits.length; i++)
        expect(Math.abs(logits.data[i] - int8_logits[i])).toBeLessThanOrEqual(
          gmods[([...gnodes].reverse().find((n) => n.op === 'call_module') as GNode).target].out_scale * 1.0001,
        );
    });

    it('the converted state_dict is at most 30% of the fp32 one', () => {
      const ratio = state_dict_bytes(quantized.state_dict()) / state_dict_bytes(fp32.state_dict());
      expect(ratio).toBeLessThanOrEqual(0.3);
    });

    it('leaves the float model and the prepared model untouched', () => {
      expect(fp32.get_submodule('conv1').constructor.name).toBe('Conv2d');
      expect((fp32 as unknown as Record<string, unknown>).qconfig).toBeUndefined();
      expect(prepared.graph.nodes.some((n) => n.target.startsWith('activation_post_process'))).toBe(true);
    });
  });
}
