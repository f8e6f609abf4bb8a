/**
 * Save → load round trips of the module types of issue #16 part 2 (float and int8 ELU, LeakyReLU), with the
 * schemas' argument checks: a corrupt argument is refused, naming it, before anything is allocated.
 */
import { describe, expect, it } from 'vitest';
import { load_quantized, manifest_of, serialize_quantized } from '../../compiler/artifact/index.js';
import { MODULE_SCHEMAS } from '../../compiler/artifact/module_schemas.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { LeakyReLU } from '../../runtime/nn/layers/activation.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { ELU } from '../../runtime/nn/layers/upsample_bag.js';
import { Module } from '../../runtime/nn/module.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
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
