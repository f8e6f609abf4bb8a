import { describe, expect, it } from 'vitest';
import { load_quantized, save_quantized } from '../../../compiler/artifact/node/index.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { symbolic_trace } from '../../../compiler/trace/symbolic_trace.js';
import { set_backend } from '../../../runtime/backends/registry.js';
import { convert } from '../../../runtime/eager/convert.js';
import { prepare } from '../../../runtime/eager/prepare.js';
import { DeQuantStub, QuantStub } from '../../../runtime/eager/stubs.js';
import { interpolate as F_interpolate } from '../../../runtime/nn/functional/interpolate.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { Upsample, UpsamplingBilinear2d, UpsamplingNearest2d } from '../../../runtime/nn/layers/upsample_bag.js';
import { Module } from '../../../runtime/nn/module.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { quantize_per_tensor } from '../../../runtime/quant/qtensor.js';
import { interpolate as q_interpolate } from '../../../runtime/quantized/functional/upsample.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { wasm_and_tmpdir } from './_nn_more_setup.js';

const dir = wasm_and_tmpdir();

const qconfig = { '': get_default_qconfig('qnnpack') };

describe('FX static PTQ', () => {
  it('F.interpolate stays on the quantized tensor with its input’s qparams (torch’s share-qparams row)', () => {
    manual_seed(0);
    class Net extends Module {
      conv = new Conv2d(3, 4, 3);
      forward(x: Tensor): Tensor {
        return F_interpolate(this.conv.forward(x), { scale_factor: 2, mode: 'bilinear', align_corners: false });
      }
    }
    const x = randn([2, 3, 7, 6]);
    const p = prepare_fx(new Net().eval(), qconfig, [x]);
    p.forward(x);
    const q = convert_fx(p);
    const node = q.graph.nodes.find((n) => n.target === 'F.interpolate');
    expect(node).toBeDefined();
    expect((node?.args[0] as { target: unknown } | undefined)?.target).toBe('conv');
    // the int8 result: the quantized conv output, upsampled by the int8 kernel, then dequantized
    const slots = q as unknown as Record<string, Tensor>;
    const xq = quantize_per_tensor(x, slots.conv_input_scale_0.item(), slots.conv_input_zero_point_0.item(), 'quint8');
    for (const be of ['js', 'wasm'] as const) {
      set_backend(be);
      const conv = q.get_submodule('conv') as Module & { forward(t: Tensor): Tensor };
      const want = q_interpolate(conv.forward(xq), { scale_factor: 2, mode: 'bilinear', align_corners: false });
      expect([...(q.forward(x) as Tensor).data]).toEqual([...want.dequantize().data]);
    }
  });

  it('nn.Upsample is not in torch 1.13’s backend config: kept float, dequantize before it', () => {
    manual_seed(1);
    class Net extends Module {
      conv = new Conv2d(3, 4, 3);
      up = new Upsample({ scale_factor: 2 });
      conv2 = new Conv2d(4, 2, 1);
      forward(x: Tensor): Tensor {
        return this.conv2.forward(this.up.forward(this.conv.forward(x)));
      }
    }
    const x = randn([2, 3, 6, 6]);
    const p = prepare_fx(new Net().eval(), qconfig, [x]);
    p.forward(x);
    const q = convert_fx(p);
    const up = q.graph.nodes.find((n) => n.target === 'up');
    expect((up?.args[0] as { target: unknown } | undefined)?.target).toBe('dequantize');
    expect(q.get_submodule('up').constructor).toBe(Upsample);
  });
});

describe('eager mode', () => {
  it('an Upsample module after an int8 conv runs the int8 kernel (qparams kept); js and wasm agree', () => {
    manual_seed(2);
    class Net extends Module {
      quant = new QuantStub();
      conv = new Conv2d(3, 4, 3);
      up = new UpsamplingBilinear2d({ size: [9, 11] });
      dequant = new DeQuantStub();
      forward(x: Tensor): Tensor {
        return this.dequant.forward(this.up.forward(this.conv.forward(this.quant.forward(x))));
      }
    }
    const m = new Net().eval();
    (m as unknown as { qconfig: unknown }).qconfig = get_default_qconfig('qnnpack');
    const p = prepare(m);
    p.forward(randn([2, 3, 6, 7]));
    const q = convert(p);
    const x = randn([2, 3, 6, 7]);
    const outs = (['js', 'wasm'] as const).map((be) => {
      set_backend(be);
      const c = q.conv.forward(q.quant.forward(x));
      const y = q.up.forward(c);
      expect(y.is_quantized).toBe(true);
      expect(y.q_scale()).toBe(c.q_scale());
      expect(y.q_zero_point()).toBe(c.q_zero_point());
      return [...y.data];
    });
    expect(outs[1]).toEqual(outs[0]);
  });
});

describe('artifact', () => {
  it('nn.Upsample, UpsamplingNearest2d and UpsamplingBilinear2d save and reload', () => {
    manual_seed(3);
    class Ups extends Module {
      a = new Upsample({ size: [5, 7], mode: 'bilinear', align_corners: true });
      b = new UpsamplingNearest2d({ scale_factor: 2 });
      c = new UpsamplingBilinear2d({ scale_factor: [0.5, 1.5] });
      forward(x: Tensor): Tensor {
        return this.c.forward(this.b.forward(this.a.forward(x)));
      }
    }
    const gm = symbolic_trace(new Ups().eval());
    const path = `${dir}/fxq_upsample_${process.pid}.safetensors`;
    save_quantized(gm, path);
    const loaded = load_quantized(path);
    const x = randn([1, 2, 3, 4]);
    set_backend('js');
    expect([...(loaded.forward(x) as Tensor).data]).toEqual([...(gm.forward(x) as Tensor).data]);
    expect(String(loaded.get_submodule('a'))).toBe(String(gm.get_submodule('a')));
  });
});
