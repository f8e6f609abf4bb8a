/**
 * Save → load round trips of the module types of issue #16 part 2 (float and int8 ELU, LeakyReLU, GroupNorm,
 * InstanceNorm1d / 2d; the embeddings round-trip in op_catalogue.test.ts, 8 and 4 bits), with the
 * schemas' argument checks: a corrupt argument is refused, naming it, before anything is allocated.
 */
import { describe, expect, it } from 'vitest';
import { load_quantized, manifest_of, serialize_quantized } from '../../compiler/artifact/index.js';
import { MODULE_SCHEMAS } from '../../compiler/artifact/module_schemas.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { symbolic_trace } from '../../compiler/trace/symbolic_trace.js';
import { LeakyReLU } from '../../runtime/nn/layers/activation.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { GroupNorm, InstanceNorm1d, InstanceNorm2d } from '../../runtime/nn/layers/group_norm.js';
import { ELU } from '../../runtime/nn/layers/upsample_bag.js';
import { Module } from '../../runtime/nn/module.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { quantize_per_tensor } from '../../runtime/quant/qtensor.js';
import { GroupNorm as QGroupNorm } from '../../runtime/quantized/modules/normalization.js';
import { randn } from '../../runtime/tensor/creation.js';
import { manual_seed } from '../../runtime/tensor/random.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

class Acts extends Module {
  conv = new Conv2d(2, 3, 1);
  elu = new ELU(0.3);
  lrelu = new LeakyReLU(0.15);
  felu = new ELU(1.5);
  flrelu = new LeakyReLU(0.4);
  forward(x: Tensor): Tensor {
    const y = this.lrelu.forward(this.elu.forward(this.conv.forward(x)));
    return this.flrelu.forward(this.felu.forward(y));
  }
}

/** Saves `gm` to bytes and loads it back: the same outputs, and the manifest's module types. */
function round_trip(gm: GraphModule, x: Tensor): string[] {
  const loaded = load_quantized(serialize_quantized(gm));
  expect([...(loaded.forward(x) as Tensor).data]).toEqual([...(gm.forward(x) as Tensor).data]);
  return manifest_of(gm).modules.map((m) => m.type);
}

describe('artifact: ELU / LeakyReLU', () => {
  it('int8 and float (module_name null) forms save and load to identical outputs', () => {
    manual_seed(5);
    const x = randn([2, 2, 5, 5]);
    const qconfig = {
      '': get_default_qconfig('qnnpack'),
      module_name: [
        ['felu', null],
        ['flrelu', null],
      ],
    };
    const p = prepare_fx(new Acts().eval(), qconfig as never, [x]);
    p.forward(x);
    const q = convert_fx(p);
    const types = round_trip(q, x);
    expect(types).toEqual(
      expect.arrayContaining(['nn.quantized.ELU', 'nn.quantized.LeakyReLU', 'nn.ELU', 'nn.LeakyReLU']),
    );
    const lrelu = q.get_submodule('lrelu') as unknown as { negative_slope: number };
    expect(lrelu.negative_slope).toBe(0.15);
  });

  it('GroupNorm / InstanceNorm: FX int8 and float forms, and a traced nn.quantized.GroupNorm, save and load', () => {
    class Norms extends Module {
      conv = new Conv2d(2, 4, 1);
      gn = new GroupNorm(2, 4);
      in2 = new InstanceNorm2d(4, { affine: true, eps: 1e-3 });
      fin2 = new InstanceNorm2d(4, { track_running_stats: true });
      in1 = new InstanceNorm1d(4, { affine: true });
      fin1 = new InstanceNorm1d(4);
      forward(x: Tensor): Tensor {
        const y = this.fin2.forward(this.in2.forward(this.gn.forward(this.conv.forward(x))));
        return this.fin1.forward(this.in1.forward(y.flatten(2)));
      }
    }
    manual_seed(7);
    const x = randn([2, 2, 3, 5]);
    const qconfig = {
      '': get_default_qconfig('qnnpack'),
      module_name: [
        ['fin2', null],
        ['fin1', null],
      ],
    };
    const p = prepare_fx(new Norms().eval(), qconfig as never, [x]);
    p.forward(x);
    const types = round_trip(convert_fx(p), x);
    expect(types).toEqual(
      expect.arrayContaining([
        'nn.GroupNorm',
        'nn.quantized.InstanceNorm2d',
        'nn.quantized.InstanceNorm1d',
        'nn.InstanceNorm2d',
        'nn.InstanceNorm1d',
      ]),
    );
    // an int8 GroupNorm (eager convert's module: FX keeps nn.GroupNorm float, as torch 1.13) in a traced model
    class QGN extends Module {
      gn = new QGroupNorm(2, 4, randn([4]), randn([4]), 0.04, 120, { eps: 1e-4 });
      forward(x: Tensor): Tensor {
        return this.gn.forward(quantize_per_tensor(x, 0.05, 128, 'quint8')).dequantize();
      }
    }
    const x4 = randn([2, 4, 3, 3]);
    expect(round_trip(symbolic_trace(new QGN()), x4)).toEqual(expect.arrayContaining(['nn.quantized.GroupNorm']));
  });

  it('corrupt arguments are refused with the argument named', () => {
    const check = (type: string, args: unknown[]) => () => MODULE_SCHEMAS.get(type)?.tensors(args);
    expect(check('nn.quantized.ELU', [0, 3, 1])).toThrow(/argument scale/);
    expect(check('nn.quantized.ELU', [0.1, 256])).toThrow(/argument zero_point/);
    expect(check('nn.quantized.ELU', [0.1, 2, 'x'])).toThrow(/argument alpha/);
    expect(check('nn.quantized.LeakyReLU', [0.1, 2, 0.1, { inplace: 1 }])).toThrow(/argument inplace/);
    expect(check('nn.quantized.LeakyReLU', [0.1, 2, 0.1, { bogus: true }])).toThrow(/unknown option/);
    expect(check('nn.LeakyReLU', [Number.POSITIVE_INFINITY])).toThrow(/argument negative_slope/);
    expect(check('nn.ELU', [1, {}, 3])).toThrow(/constructor arguments/);
    expect(
      MODULE_SCHEMAS.get('nn.quantized.LeakyReLU')
        ?.tensors([0.1, 2])
        .map((t) => t.name),
    ).toEqual(['scale', 'zero_point']);
  });
});
