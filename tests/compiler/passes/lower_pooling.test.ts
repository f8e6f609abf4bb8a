/**
 * Pooling in convert_fx (lower_to_int8): nn.MaxPool2d / AvgPool2d / AdaptiveAvgPool2d stay call_module
 * nodes called on the quantized tensor, as in torch 1.13's converted graph, and give the bytes of the
 * int8 pooling ops on both backends; a functional F.max_pool2d still lowers to quantized.max_pool2d.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import type { Node } from '../../../compiler/ir/node.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import type { Int8Kernels } from '../../../runtime/backends/types.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import * as F from '../../../runtime/nn/functional/pooling.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../../runtime/nn/layers/pooling.js';
import { Module } from '../../../runtime/nn/module.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { quantize_per_tensor } from '../../../runtime/quant/qtensor.js';
import * as Q from '../../../runtime/quantized/functional/pooling.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { node_outputs } from '../../compiler/quantize_fx_helpers.js';

load_wasm_backend();
afterAll(() => set_backend('js'));

class Pools extends Module {
  conv = new Conv2d(2, 3, 3, { padding: 1 });
  mp = new MaxPool2d(3, { stride: 2, padding: 1, ceil_mode: true });
  ap = new AvgPool2d(2, { stride: 1, padding: 1 }); // qnnpack's average pool
  ap_ceil = new AvgPool2d(3, { stride: 2, ceil_mode: true, count_include_pad: false }); // ATen's kernel
  aap = new AdaptiveAvgPool2d([3, null]); // 7 → 3 rows does not divide: ATen's windows
  aap1 = new AdaptiveAvgPool2d(1); // divides: qnnpack
  forward(x: Tensor): Tensor[] {
    const y = this.conv.forward(x);
    return [
      this.mp.forward(y),
      this.ap.forward(y),
      this.ap_ceil.forward(y),
      this.aap.forward(y),
      this.aap1.forward(y),
      F.max_pool2d(y, 2, { stride: 1 }),
      F.avg_pool2d(y, 2, { stride: 1 }), // qnnpack's average pool
      F.adaptive_avg_pool2d(y, [3, null]), // ATen's windows
    ];
  }
}

/** The int8 op each pooling module stood for (what convert emitted before it kept the modules). */
const as_function: Record<string, (q: Tensor) => Tensor> = {
  mp: (q) => Q.max_pool2d(q, 3, { stride: 2, padding: 1, ceil_mode: true }),
  ap: (q) => Q.avg_pool2d(q, 2, { stride: 1, padding: 1 }),
  ap_ceil: (q) => Q.avg_pool2d(q, 3, { stride: 2, ceil_mode: true, count_include_pad: false }),
  aap: (q) => Q.adaptive_avg_pool2d(q, [3, 7]),
  aap1: (q) => Q.adaptive_avg_pool2d(q, 1),
};
/** The functional average pools, kept as call_function nodes on the quantized tensor (torch keeps them too). */
const kept_functions: Record<string, (q: Tensor) => Tensor> = {
  avg_pool2d: (q) => Q.avg_pool2d(q, 2, { stride: 1 }),
  adaptive_avg_pool2d: (q) => Q.adaptive_avg_pool2d(q, [3, 7]),
};

manual_seed(7);
const x = randn([2, 2, 7, 7]);
function converted(): GraphModule {
  const prepared = prepare_fx(new Pools().eval(), { '': get_default_qconfig('qnnpack') }, [x]);
  prepared.forward(x);
  prepared.forward(randn([2, 2, 7, 7]));
  return convert_fx(prepared, { warn: false });
}
const q = converted();
const node = (name: string) => q.graph.nodes.find((n) => n.name === name) as Node;

describe('convert_fx keeps pooling modules', () => {
  it('as call_module nodes on the quantized conv output; F.max_pool2d lowers to quantized.max_pool2d', () => {
    for (const name of Object.keys(as_function)) {
      const n = node(name);
      expect([n.op, n.target, (n.args[0] as Node).name], name).toEqual(['call_module', name, 'conv']);
      expect(q.get_submodule(name).constructor.name, name).toMatch(/^(MaxPool2d|AvgPool2d|AdaptiveAvgPool2d)$/);
      expect(n.meta.qparams, name).toEqual(node('conv').meta.qparams);
    }
    const f = node('max_pool2d');
    expect([f.op, f.target, (f.args[0] as Node).name]).toEqual(['call_function', 'quantized.max_pool2d', 'conv']);
    for (const name of Object.keys(kept_functions)) {
      const n = node(name);
      expect([n.op, n.target, (n.args[0] as Node).name], name).toEqual(['call_function', `F.${name}`, 'conv']);
      expect(n.meta.qparams, name).toEqual(node('conv').meta.qparams);
    }
    expect(q.graph.nodes.filter((n) => n.target === 'dequantize' || n.op === 'call_method').length).toBe(8);
    expect(q.code).toContain('const mp = this.mp.forward(conv);');
    expect(q.code).toMatch(/const max_pool2d = quantized\.max_pool2d\(conv, 2, \{ ?stride: 1 ?\}\);/);
  });

  for (const backend of ['js', 'wasm'] as const) {
    it(`on ${backend}: each module's quantized output is the int8 op's, byte for byte`, () => {
      set_backend(backend);
      const outs = node_outputs(q, x);
      const conv = outs.get('conv') as Tensor;
      expect(conv.dtype).toBe('quint8');
      for (const [name, op] of Object.entries({ ...as_function, ...kept_functions })) {
        const mine = outs.get(name) as Tensor;
        const want = op(conv);
        expect(mine.dtype, name).toBe('quint8');
        expect(mine.quantizer, name).toEqual(conv.quantizer);
        expect(mine.shape, name).toEqual(want.shape);
        expect([...mine.data], name).toEqual([...want.data]);
      }
      set_backend('js');
    });
  }

  it('the kept modules run the current backend’s int8 pooling kernels', () => {
    const kernels = get_backend('wasm').int8 as Required<Int8Kernels>; // the wasm backend has both
    const qmax = vi.spyOn(kernels, 'qmax_pool2d');
    const qavg = vi.spyOn(kernels, 'qavg_pool2d');
    try {
      set_backend('wasm');
      q.forward(x);
      // mp and the functional max_pool2d; ap, aap1 and F.avg_pool2d (qnnpack's average pool; ap_ceil, aap and
      // F.adaptive_avg_pool2d to [3, 7] use ATen's loops)
      expect(qmax).toHaveBeenCalledTimes(2);
      expect(qavg).toHaveBeenCalledTimes(3);
    } finally {
      qmax.mockRestore();
      qavg.mockRestore();
      set_backend('js');
    }
  });
});

describe('the float pooling functions on a quantized input', () => {
  manual_seed(3);
  const qx = quantize_per_tensor(randn([2, 3, 6, 5]), 0.05, 120, 'quint8');
  it('run the int8 kernels (same bytes as the quantized ops), unbatched inputs as a batch of one', () => {
    expect([...F.avg_pool2d(qx, 2, { padding: 1 }).data]).toEqual([...Q.avg_pool2d(qx, 2, { padding: 1 }).data]);
    expect([...F.adaptive_avg_pool2d(qx, [4, null]).data]).toEqual([...Q.adaptive_avg_pool2d(qx, [4, 5]).data]);
    expect([...F.max_pool2d(qx, 3, { stride: 2, ceil_mode: true }).data]).toEqual([
      ...Q.max_pool2d(qx, 3, { stride: 2, ceil_mode: true }).data,
    ]);
    const one = qx.reshape([2 * 3, 6, 5]).reshape([6, 6, 5]);
    const y = F.avg_pool2d(one, 3, { stride: 1 });
    expect(y.shape).toEqual([6, 4, 3]);
    expect(y.q_scale()).toBe(Math.fround(0.05));
    expect([...y.data]).toEqual([...Q.avg_pool2d(qx, 3, { stride: 1 }).data]);
  });

  it('errors name the quantized op and the input', () => {
    const qi8 = quantize_per_tensor(randn([1, 1, 4, 4]), 0.1, 0, 'qint8');
    expect(() => F.avg_pool2d(qi8, 2)).toThrow(
      /quantized\.avg_pool2d: input must be quint8, got tensor \[1, 1, 4, 4\] qint8/,
    );
    expect(() => F.adaptive_avg_pool2d(qx.reshape([6, 30]), 1)).toThrow(
      /F\.adaptive_avg_pool2d: expected a \[N, C, H, W\] or \[C, H, W\] input, got shape \[6, 30\]/,
    );
  });
});
