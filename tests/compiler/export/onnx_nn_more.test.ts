// Export rows of issue #16's rest of torch.nn, part 1, on onnxruntime-web: float models using the layers
// match fxq within 1e-4; FX int8 models (QDQ around Conv) give fxq's integers within one output step,
// and ONNX Runtime fuses the int8 convs into QLinearConv.
import { beforeAll, describe, expect, it } from 'vitest';
import { load_onnxruntime, type Ort } from '../../../examples/lib/onnx_runtime.js';
import { F, Generator, manual_seed, nn, no_grad, quantization, randn, type Tensor } from '../../../index.js';
import { max_diff, run_both, step_of } from './_ort_both.js';

let ort: Ort;
beforeAll(async () => {
  ort = await load_onnxruntime();
});

class Conv1dNet extends nn.Module {
  conv = new nn.Conv1d(3, 8, 3, { padding: 1 });
  bn = new nn.BatchNorm1d(8);
  relu = new nn.ReLU();
  conv2 = new nn.Conv1d(8, 4, 5, { stride: 2, dilation: 2, groups: 2 });
  forward(x: Tensor): Tensor {
    return this.conv2.forward(this.relu.forward(this.bn.forward(this.conv.forward(x))));
  }
}

describe('Conv1d', () => {
  it('float: Conv over [N, C, L] matches fxq within 1e-4', async () => {
    manual_seed(0);
    const x = randn([2, 3, 19], { generator: new Generator(1) });
    const { got, want } = await run_both(ort, new Conv1dNet().eval(), x);
    expect(max_diff(got, want)).toBeLessThan(1e-4);
  });

  it('FX int8 (ConvReLU1d, Conv1d): QLinearConv, fxq’s values within one output step', async () => {
    manual_seed(0);
    const x = randn([4, 3, 19], { generator: new Generator(2) });
    const prepared = quantization.prepare_fx(
      new Conv1dNet().eval(),
      { '': quantization.get_default_qconfig('qnnpack') },
      [x],
    );
    no_grad(() => prepared.call(x));
    const q = quantization.convert_fx(prepared);
    const { got, want, ops } = await run_both(ort, q, x, { ops: true });
    expect(max_diff(got, want)).toBeLessThanOrEqual(step_of(want) * 1.001);
    expect(ops?.QLinearConv).toBe(2);
  });
});

class UpNet extends nn.Module {
  up = new nn.Upsample({ scale_factor: 2, mode: 'nearest' });
  upb = new nn.UpsamplingBilinear2d({ size: [11, 9] });
  forward(x: Tensor): Tensor {
    let y = this.up.forward(x); // [N, C, 10, 12]
    y = F.interpolate(y, { scale_factor: 0.7, mode: 'bilinear', align_corners: false }); // [N, C, 7, 8]
    y = this.upb.forward(y); // [N, C, 11, 9]
    return F.interpolate(y, { size: [13, 5], mode: 'nearest' });
  }
}

describe('Upsample / F.interpolate', () => {
  it('float: Resize (scales and sizes, nearest and bilinear both ways) matches fxq within 1e-4', async () => {
    const x = randn([2, 3, 5, 6], { generator: new Generator(3) });
    const { got, want } = await run_both(ort, new UpNet().eval(), x);
    expect(got.length).toBe(want.length);
    expect(max_diff(got, want)).toBeLessThan(1e-4);
  });

  const cases: [string, Parameters<typeof F.interpolate>[1]][] = [
    ['nearest', { scale_factor: 2, mode: 'nearest' }],
    ['bilinear', { scale_factor: 2, mode: 'bilinear', align_corners: false }],
    ['bilinear, align_corners', { size: [9, 11], mode: 'bilinear', align_corners: true }],
  ];
  it.each(cases)('FX int8 conv → F.interpolate (%s): uint8 Resize within one output step', async (_name, opts) => {
    manual_seed(0);
    class Q extends nn.Module {
      conv = new nn.Conv2d(3, 4, 3);
      forward(x: Tensor): Tensor {
        return F.interpolate(this.conv.forward(x), { ...opts });
      }
    }
    const x = randn([2, 3, 7, 8], { generator: new Generator(4) });
    const prepared = quantization.prepare_fx(new Q().eval(), { '': quantization.get_default_qconfig('qnnpack') }, [x]);
    no_grad(() => prepared.call(x));
    const q = quantization.convert_fx(prepared);
    const { got, want, ops } = await run_both(ort, q, x, { ops: true });
    expect(got.length).toBe(want.length);
    expect(max_diff(got, want)).toBeLessThanOrEqual(step_of(want) * 1.001);
    expect(ops?.QLinearConv).toBe(1);
  });
});

class UpConv extends nn.Module {
  up = new nn.ConvTranspose2d(3, 6, 3, { stride: 2, padding: 1, output_padding: 1 });
  up2 = new nn.ConvTranspose2d(6, 4, [2, 3], { stride: [2, 1], groups: 2, dilation: [1, 2] });
  forward(x: Tensor): Tensor {
    return this.up2.forward(F.relu(this.up.forward(x)));
  }
}

describe('ConvTranspose2d', () => {
  it('float: ConvTranspose matches fxq within 1e-4', async () => {
    manual_seed(0);
    const x = randn([2, 3, 5, 6], { generator: new Generator(5) });
    const { got, want } = await run_both(ort, new UpConv().eval(), x);
    expect(got.length).toBe(want.length);
    expect(max_diff(got, want)).toBeLessThan(1e-4);
  });

  it('FX int8: QDQ around ConvTranspose gives fxq’s values within one output step', async () => {
    manual_seed(0);
    class Q extends nn.Module {
      up = new nn.ConvTranspose2d(3, 4, 3, { stride: 2, padding: 1, output_padding: 1 });
      forward(x: Tensor): Tensor {
        return this.up.forward(x);
      }
    }
    const x = randn([2, 3, 5, 6], { generator: new Generator(6) });
    const prepared = quantization.prepare_fx(new Q().eval(), { '': quantization.get_default_qconfig('qnnpack') }, [x]);
    no_grad(() => prepared.call(x));
    const q = quantization.convert_fx(prepared);
    const { got, want } = await run_both(ort, q, x);
    expect(got.length).toBe(want.length);
    expect(max_diff(got, want)).toBeLessThanOrEqual(step_of(want) * 1.001);
  });
});
