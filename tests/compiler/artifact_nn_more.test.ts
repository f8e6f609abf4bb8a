/**
 * The artifact entries of quantized Conv1d, ConvTranspose2d and Upsample refuse crafted arguments before
 * anything is built: each edit of a saved model's manifest gives an Error naming the module and the argument.
 */
import { describe, expect, it } from 'vitest';
import { load_quantized, serialize_quantized } from '../../compiler/artifact/quantized_artifact.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { parse_safetensors, serialize_safetensors } from '../../runtime/io/safetensors.js';
import { Conv1d, ConvTranspose2d } from '../../runtime/nn/layers/conv_more.js';
import { Upsample } from '../../runtime/nn/layers/upsample_bag.js';
import { Module } from '../../runtime/nn/module.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { randn } from '../../runtime/tensor/creation.js';
import { manual_seed } from '../../runtime/tensor/random.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

type J = Record<string, unknown>;

class Net extends Module {
  c1 = new Conv1d(4, 6, 3, { padding: 1 });
  up = new ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1, output_padding: 1 });
  ups = new Upsample({ scale_factor: 2, mode: 'bilinear', align_corners: false });
  forward(x: Tensor): Tensor {
    // [N, 4, 6] → [N, 6, 6] → [N, 2, 3, 6] → [N, 3, 6, 12] → [N, 3, 12, 24]
    return this.ups.forward(this.up.forward(this.c1.forward(x).reshape(-1, 2, 3, 6)));
  }
}

function saved(): Uint8Array {
  manual_seed(0);
  const x = randn([2, 4, 6]);
  const p = prepare_fx(new Net().eval(), { '': get_default_qconfig('qnnpack') }, [x]);
  p.forward(x);
  return serialize_quantized(convert_fx(p));
}

function edited(bytes: Uint8Array, path: string, edit: (args: unknown[]) => void): Uint8Array {
  const { tensors, metadata } = parse_safetensors(bytes);
  const meta = { ...(metadata as Record<string, string>) };
  const man = JSON.parse(meta.manifest) as { modules: J[] };
  const e = man.modules.find((m) => m.path === path) as J;
  edit(e.args as unknown[]);
  return serialize_safetensors(tensors, { ...meta, manifest: JSON.stringify(man) });
}

describe('crafted arguments of the #16 part 1 modules', () => {
  const base = saved();
  it('the saved model loads and runs', () => {
    const x = randn([2, 4, 6]);
    expect((load_quantized(base).forward(x) as Tensor).shape).toEqual([2, 3, 12, 24]);
  });

  const o = (a: unknown[], i: number) => a[i] as J;
  const cases: [string, string, (a: unknown[]) => void, RegExp][] = [
    ['Conv1d kernel as a 2-tuple', 'c1', (a) => (a[2] = [3, 3]), /kernel_size is not an int or a 1-tuple/],
    ['Conv1d groups not dividing', 'c1', (a) => (o(a, 3).groups = 4), /groups 4 does not divide/],
    ['Conv1d padding past the kernel', 'c1', (a) => (o(a, 3).padding = [9]), /padding 9 exceeds/],
    ['Conv1d weight shape vs kernel', 'c1', (a) => (a[2] = [5]), /weight/],
    [
      'ConvTranspose2d output_padding ≥ stride',
      'up',
      (a) => (o(a, 3).output_padding = [2, 2]),
      /output_padding \[2,2\] is not below stride/,
    ],
    ['ConvTranspose2d unknown option', 'up', (a) => (o(a, 3).transposed = true), /unknown option\(s\) "transposed"/],
    ['ConvTranspose2d huge channels', 'up', (a) => (a[1] = 2 ** 40), /out_channels/],
    ['Upsample without size or scale', 'ups', (a) => (o(a, 0).scale_factor = null), /needs size or scale_factor/],
    ['Upsample negative scale', 'ups', (a) => (o(a, 0).scale_factor = -2), /scale_factor\[0\]/],
    ['Upsample bad mode', 'ups', (a) => (o(a, 0).mode = 'bicubic'), /mode = "bicubic"/],
  ];
  it.each(cases)('%s is refused, naming the module', (_name, path, edit, re) => {
    const bytes = edited(base, path, edit);
    let err: Error | null = null;
    try {
      load_quantized(bytes);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(re);
    expect(err?.message).toContain(`'${path}'`);
  });
});
