/** Bad input to the int8 kernels, ops and modules: clear errors naming the op, shapes, dtypes and values. */
import { describe, expect, it } from 'vitest';
import { nn } from '../../../index.js';
import { js_int8 } from '../../../runtime/backends/js/int8.js';
import { conv2d } from '../../../runtime/quantized/functional/conv.js';
import { add } from '../../../runtime/quantized/functional/elementwise.js';
import { linear, linear_dynamic } from '../../../runtime/quantized/functional/linear.js';
import { max_pool2d } from '../../../runtime/quantized/functional/pooling.js';
import { Conv2dPackedParams, LinearPackedParams } from '../../../runtime/quantized/packed_params.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';

const qx = (shape: number[], scale = 0.1, zp = 0) =>
  make_qtensor(new Uint8Array(shape.reduce((a, b) => a * b, 1)), shape, 'quint8', scale, zp);
const qw = (shape: number[]) => make_qtensor(new Int8Array(shape.reduce((a, b) => a * b, 1)), shape, 'qint8', 0.01, 0);
const src = (n: number, k: number) => ({
  data: new Int8Array(n * k),
  n,
  k,
  scales: Float32Array.of(0.1),
  zero_points: Int32Array.of(0),
  bias: null,
});

describe('int8 errors', () => {
  it('pack_qweight: accumulator overflow names k; bad qparams and sizes are named', () => {
    expect(() => js_int8.pack_qweight(src(1, 40000))).toThrow(/k = 40000 overflows the int32 accumulator/);
    expect(() => js_int8.pack_qweight(src(2, 33025))).not.toThrow();
    expect(() => js_int8.pack_qweight({ ...src(3, 4), scales: Float32Array.of(0.1, 0.2) })).toThrow(
      /2 weight scales for n=3/,
    );
    expect(() => js_int8.pack_qweight({ ...src(1, 4), scales: Float32Array.of(0) })).toThrow(
      /weight scale\[0\] = 0 is not a positive finite number/,
    );
    expect(() => js_int8.pack_qweight({ ...src(1, 4), zero_points: Int32Array.of(200) })).toThrow(
      /weight zero point\[0\] = 200 is outside qint8/,
    );
    expect(() => js_int8.pack_qweight({ ...src(2, 4), data: new Int8Array(7) })).toThrow(
      /weight has 7 elements, expected n·k = 2·4 = 8/,
    );
    expect(() => new LinearPackedParams(qw([2, 40000]), null)).toThrow(/k = 40000 overflows/);
  });

  it('kernels: wrong input size, zero point, clamp range', () => {
    const p = js_int8.pack_qweight(src(2, 4));
    const out = { scale: 0.1, zero_point: 0, qmin: 0, qmax: 255 };
    expect(() => js_int8.qlinear({ data: new Uint8Array(7), scale: 0.1, zero_point: 0 }, 2, p, out)).toThrow(
      /js.qlinear: x has 7 elements, expected m·k = 2·4/,
    );
    expect(() => js_int8.qlinear({ data: new Uint8Array(8), scale: 0.1, zero_point: 300 }, 2, p, out)).toThrow(
      /input zero point 300/,
    );
    expect(() =>
      js_int8.qlinear({ data: new Uint8Array(8), scale: 0.1, zero_point: 0 }, 2, p, { ...out, qmin: 10, qmax: 5 }),
    ).toThrow(/clamp \[10, 5\]/);
    // an output scale so small that x_scale·w_scale/out_scale overflows float32
    expect(() =>
      js_int8.qlinear({ data: new Uint8Array(8), scale: 1e30, zero_point: 0 }, 2, p, { ...out, scale: 1e-30 }),
    ).toThrow(/js.qlinear: requantization multiplier .* overflows float32 \(output channel 0\)/);
  });

  it('ops: a float tensor, a qint8 activation, mismatched features or channels', () => {
    const p = new LinearPackedParams(qw([3, 4]), null);
    const xf = new Tensor(new Float32Array(8), [2, 4], 'float32');
    expect(() => linear(xf, p, 0.1, 0)).toThrow(
      /quantized.linear: input is a float tensor \(tensor \[2, 4\] float32\)/,
    );
    expect(() => linear(qx([2, 5]), p, 0.1, 0)).toThrow(
      /quantized.linear: input tensor \[2, 5\] quint8.*does not end in in_features = 4/,
    );
    expect(() => linear(make_qtensor(new Int8Array(8), [2, 4], 'qint8', 0.1, 0), p, 0.1, 0)).toThrow(
      /quantized.linear: input must be quint8, got tensor \[2, 4\] qint8/,
    );
    expect(() => linear(qx([2, 4]), p, 0.1, 256)).toThrow(/output zero_point 256/);
    expect(() => linear_dynamic(qx([2, 4]), p)).toThrow(
      /quantized.linear_dynamic: input must be a float32 tensor, got tensor \[2, 4\] quint8/,
    );
    const cp = new Conv2dPackedParams(qw([4, 3, 3, 3]), null, {
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 1],
      groups: 1,
    });
    expect(() => conv2d(qx([1, 2, 5, 5]), cp, 0.1, 0)).toThrow(
      /quantized.conv2d: input tensor \[1, 2, 5, 5\] quint8.* must be \[N, 3, H, W\]/,
    );
    expect(() => conv2d(qx([1, 3, 2, 2]), cp, 0.1, 0)).toThrow(/smaller than the \(dilated\) kernel 3×3/);
    expect(() => add(qx([2, 2]), qx([3, 2]), 0.1, 0)).toThrow(/quantized.add: shapes \[2, 2\] and \[3, 2\]/);
    expect(() => max_pool2d(qx([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(
      /padding \[2, 2\] must be between 0 and half the kernel/,
    );
  });

  it('modules: wrong weight shape, per-channel along the wrong axis, unprepared from_float', () => {
    const m = new nn.quantized.Linear(4, 3);
    expect(() => m.set_weight_bias(qw([3, 5]), null)).toThrow(
      /Linear.set_weight_bias: weight must be \[3, 4\], got \[3, 5\]/,
    );
    const w = new Tensor(new Int8Array(12), [3, 4], 'qint8');
    w.quantizer = {
      kind: 'per_channel',
      scales: Float64Array.of(0.1, 0.1, 0.1, 0.1),
      zero_points: new Int32Array(4),
      axis: 1,
    };
    expect(() => m.set_weight_bias(w, null)).toThrow(/per-channel weight must be quantized along axis 0.*got axis 1/);
    expect(() => nn.quantized.Linear.from_float(new nn.Linear(4, 3))).toThrow(
      /Linear.from_float: Linear has no activation_post_process observer/,
    );
    expect(() => new nn.quantized.Conv2d(3, 4, 3, { groups: 2 })).toThrow(
      /in_channels 3 and out_channels 4 must be positive multiples of groups 2/,
    );
    expect(() =>
      new nn.quantized.dynamic.LSTM(28, 16).forward(new Tensor(new Float32Array(2 * 3 * 5), [2, 3, 5], 'float32')),
    ).toThrow(/LSTM.forward: input tensor \[2, 3, 5\] float32 must end in input_size 28/);
  });
});
