/**
 * convert_fx(…, { fuse_float_islands: true }) on FmnistViT (PyTorch's qparams from the golden): the 4 softmax and
 * 4 GELU islands become quantized.softmax_island / gelu_island nodes, the 14 islands of ops that only move values
 * (getitem, flatten, x[:, 0]) the op on the int8 tensor + quantized.requantize, and every int8 node output and the logits
 * equal the unfused graph's run under set_fp32_numerics('pytorch_x86_zen5') — on js and on wasm — and survive a
 * save → load round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load_quantized, serialize_quantized } from '../../compiler/artifact/quantized_artifact.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { FmnistViT, load_weights } from '../../examples/models/fmnist_vit.js';
import { with_fp32_numerics } from '../../runtime/backends/fp32_numerics.js';
import { get_backend, set_backend } from '../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../runtime/backends/wasm/index.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { apply_golden_qparams } from '../models/vit_ptq_helpers.js';
import { load_golden, node_outputs } from './quantize_fx_helpers.js';

const golden = load_golden('fmnist_vit_ptq');
const x = golden.t['input/x_fp32'];
const x0 = x.narrow(0, 0, 1);
load_wasm_backend();
const initial = get_backend().name;
afterAll(() => set_backend(initial));

let plain: GraphModule;
let fused: GraphModule;
beforeAll(() => {
  const prepared = prepare_fx(load_weights(new FmnistViT()).eval(), { '': get_default_qconfig('qnnpack') }, [x], null, {
    warn: false,
  });
  prepared.forward(x);
  plain = convert_fx(prepared, { warn: false });
  fused = convert_fx(prepared, { warn: false, fuse_float_islands: true });
  apply_golden_qparams(plain, golden.json);
  apply_golden_qparams(fused, golden.json);
});

const count = (gm: GraphModule, target: string) => gm.graph.nodes.filter((n) => n.target === target).length;

describe('fuse_float_islands on FmnistViT', () => {
  it('replaces the 4 softmax, 4 GELU and 14 value-moving islands (12 q/k/v getitems, flatten, x[:, 0])', () => {
    expect(count(fused, 'quantized.softmax_island')).toBe(4);
    expect(count(fused, 'quantized.gelu_island')).toBe(4);
    expect(count(fused, 'quantized.requantize')).toBe(14);
    expect(count(fused, 'softmax')).toBe(0);
    // one dequantize is left: the float logits' (head output → dequantize → output)
    expect([count(plain, 'dequantize'), count(fused, 'dequantize')]).toEqual([15, 1]);
    expect(count(plain, 'quantize_per_tensor') - count(fused, 'quantize_per_tensor')).toBe(22);
    expect(fused.graph.nodes.some((n) => n.op === 'call_module' && n.target.endsWith('.act'))).toBe(false);
  });

  for (const backend of ['js', 'wasm'] as const) {
    it(`${backend}: every int8 node output of image 0 and the 8 logits rows equal the unfused graph under pytorch_x86_zen5`, () => {
      set_backend(backend);
      const want = with_fp32_numerics('pytorch_x86_zen5', () => node_outputs(plain, x0));
      const got = node_outputs(fused, x0);
      let compared = 0;
      for (const [name, v] of got) {
        const w = want.get(name) as Tensor | undefined;
        if (!(v as Tensor)?.is_quantized || !w) continue;
        expect([...(v as Tensor).data], name).toEqual([...w.data]);
        compared++;
      }
      expect(compared).toBeGreaterThan(60);
      const a = with_fp32_numerics('pytorch_x86_zen5', () => plain.forward(x) as Tensor);
      const b = fused.forward(x) as Tensor;
      expect([...b.data]).toEqual([...a.data]);
      set_backend('js');
    });
  }

  it('saves and loads: the loaded model gives the same logits', () => {
    const loaded = load_quantized(serialize_quantized(fused));
    expect(count(loaded, 'quantized.softmax_island')).toBe(4);
    expect([...(loaded.forward(x) as Tensor).data]).toEqual([...(fused.forward(x) as Tensor).data]);
  });
});
