// String(tensor) / console.log(tensor) as PyTorch 1.13 prints them (torch/_tensor_str.py's rules): the
// expected strings are PyTorch's output for the same tensors.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  arange,
  nn,
  ones,
  quantization as Q,
  quantize_per_channel,
  quantize_per_tensor,
  tensor,
  zeros,
} from '../../../index.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { py_float, set_printoptions } from '../../../runtime/tensor/tensor_str.js';

describe('tensor printing', () => {
  it('fixed mode: 4 decimals, right-aligned to one width', () => {
    expect(String(tensor([0.0112]))).toBe('tensor([0.0112])');
    expect(tensor([1.12345]).toString()).toBe('tensor([1.1235])');
    expect(String(tensor([-1.5, 0.25, 10]))).toBe('tensor([-1.5000,  0.2500, 10.0000])');
    expect(String(tensor(3.5))).toBe('tensor(3.5000)');
  });

  it('integer-valued floats print as `1.`; int64 and bool print plainly, other dtypes get a suffix', () => {
    expect(
      String(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(String(tensor([-1, 0, 10]))).toBe('tensor([-1.,  0., 10.])');
    expect(String(arange(5))).toBe('tensor([0, 1, 2, 3, 4])');
    expect(String(new Tensor(Int32Array.from([1, -2]), [2], 'int32'))).toBe('tensor([ 1, -2], dtype=torch.int32)');
    expect(String(new Tensor(Uint8Array.from([7, 255]), [2], 'uint8'))).toBe('tensor([  7, 255], dtype=torch.uint8)');
    expect(String(new Tensor(Uint8Array.from([1, 0]), [2], 'bool'))).toBe('tensor([ True, False])');
  });

  it('scientific mode past a 1000× range, above 1e8 or below 1e-4; nan and inf; round half to even', () => {
    expect(String(tensor([1e-5, 1]))).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(String(tensor([1, 2000]))).toBe('tensor([1.0000e+00, 2.0000e+03])');
    expect(String(tensor([1.5e9]))).toBe('tensor([1.5000e+09])');
    expect(String(tensor([Number.NaN, 1.5, Number.NEGATIVE_INFINITY]))).toBe('tensor([   nan, 1.5000,   -inf])');
    expect(String(tensor([0.03125]))).toBe('tensor([0.0312])'); // Python's '{:.4f}' rounds the exact tie to even
    expect(String(tensor([0.09375]))).toBe('tensor([0.0938])');
  });

  it('wraps at 80 columns and nests higher dimensions with blank lines', () => {
    expect(String(arange(30))).toBe(
      'tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n' +
        '        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])',
    );
    expect(String(zeros([2, 2, 2]))).toBe(
      'tensor([[[0., 0.],\n         [0., 0.]],\n\n        [[0., 0.],\n         [0., 0.]]])',
    );
  });

  it('summarizes above 1,000 elements with 3 edge items', () => {
    expect(String(ones([1001]))).toBe('tensor([1., 1., 1.,  ..., 1., 1., 1.])');
    expect(String(zeros([100, 100]))).toBe(
      [
        'tensor([[0., 0., 0.,  ..., 0., 0., 0.],',
        '        [0., 0., 0.,  ..., 0., 0., 0.],',
        '        [0., 0., 0.,  ..., 0., 0., 0.],',
        '        ...,',
        '        [0., 0., 0.,  ..., 0., 0., 0.],',
        '        [0., 0., 0.,  ..., 0., 0., 0.],',
        '        [0., 0., 0.,  ..., 0., 0., 0.]])',
      ].join('\n'),
    );
    // the formatter sees only the shown values: the hidden 1e9 does not switch to scientific mode
    const x = ones([2000]);
    (x.data as Float32Array)[1000] = 1e9;
    expect(String(x)).toBe('tensor([1., 1., 1.,  ..., 1., 1., 1.])');
  });

  it('empty tensors, requires_grad, Parameter', () => {
    expect(String(tensor([]))).toBe('tensor([])');
    expect(String(zeros([0, 3]))).toBe('tensor([], size=(0, 3))');
    expect(String(ones([2]).requires_grad_())).toBe('tensor([1., 1.], requires_grad=True)');
    const p = new nn.Parameter(tensor([0.5]));
    expect(String(p)).toBe('Parameter containing:\ntensor([0.5000], requires_grad=True)');
  });

  it('quantized tensors: dequantized values, size, dtype, scheme, scale and zero point', () => {
    const q = quantize_per_tensor(tensor([-1, 0, 1, 2]), 0.1, 10, 'quint8');
    expect(String(q)).toBe(
      'tensor([-1.,  0.,  1.,  2.], size=(4,), dtype=torch.quint8,\n' +
        '       quantization_scheme=torch.per_tensor_affine, scale=0.1, zero_point=10)',
    );
    const pc = quantize_per_channel(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([0.5, 0.25]),
      tensor([0, 0]),
      0,
      'qint8',
    );
    expect(String(pc)).toContain('dtype=torch.qint8');
    expect(String(pc)).toContain('quantization_scheme=torch.per_channel_affine');
    expect(String(pc)).toContain('scale=tensor([0.5000, 0.2500], dtype=torch.float64)');
    expect(String(pc)).toMatch(/zero_point=tensor\(\[0, 0\]\),\s+axis=0\)$/);
  });

  it('console.log and util.inspect show the same string; set_printoptions as torch', () => {
    const t = tensor([0.0112]);
    expect(inspect(t)).toBe('tensor([0.0112])');
    expect(inspect({ x: t })).toBe('{ x: tensor([0.0112]) }');
    try {
      set_printoptions({ precision: 2 });
      expect(String(tensor([1.12345]))).toBe('tensor([1.12])');
      set_printoptions({ threshold: 5 });
      expect(String(arange(10))).toBe('tensor([0, 1, 2,  ..., 7, 8, 9])');
    } finally {
      set_printoptions({ profile: 'default' });
    }
    expect(String(tensor([1.12345]))).toBe('tensor([1.1235])');
  });

  it("py_float is Python's str(float)", () => {
    expect([0.1, 1, -0, 1e-5, 1e16, 2.5e-7, Number.POSITIVE_INFINITY, Number.NaN].map(py_float)).toEqual([
      '0.1',
      '1.0',
      '-0.0',
      '1e-05',
      '1e+16',
      '2.5e-07',
      'inf',
      'nan',
    ]);
  });
});

describe('qconfig and observer printing', () => {
  it("String(qconfig) is torch's QConfig namedtuple repr", () => {
    expect(String(Q.get_default_qconfig('qnnpack'))).toBe(
      "QConfig(activation=functools.partial(<class 'torch.ao.quantization.observer.HistogramObserver'>, reduce_range=False){}, weight=functools.partial(<class 'torch.ao.quantization.observer.MinMaxObserver'>, dtype=torch.qint8, qscheme=torch.per_tensor_symmetric){})",
    );
    expect(inspect(Q.get_default_qconfig('fbgemm'))).toBe(
      "QConfig(activation=functools.partial(<class 'torch.ao.quantization.observer.HistogramObserver'>, reduce_range=True){}, weight=functools.partial(<class 'torch.ao.quantization.observer.PerChannelMinMaxObserver'>, dtype=torch.qint8, qscheme=torch.per_channel_symmetric){})",
    );
    const qc = Q.QConfig({ activation: Q.PlaceholderObserver, weight: Q.MinMaxObserver.with_args({ eps: 2 ** -12 }) });
    expect(String(qc)).toBe(
      "QConfig(activation=<class 'torch.ao.quantization.observer.PlaceholderObserver'>, weight=functools.partial(<class 'torch.ao.quantization.observer.MinMaxObserver'>, eps=0.000244140625){})",
    );
    expect(String(Q.default_qat_qconfig)).toMatch(
      /^QConfig\(activation=functools\.partial\(<class 'torch\.ao\.quantization\.fake_quantize\.FakeQuantize'>, observer=<class 'torch\.ao\.quantization\.observer\.MovingAverageMinMaxObserver'>, quant_min=0, quant_max=255, dtype=torch\.quint8/,
    );
  });

  it('observers print their state as torch does', () => {
    const o = new Q.MinMaxObserver();
    expect(String(o)).toBe('MinMaxObserver(min_val=inf, max_val=-inf)');
    o.forward(tensor([-1, 2.5]));
    expect(String(o)).toBe('MinMaxObserver(min_val=-1.0, max_val=2.5)');
    const h = new Q.HistogramObserver();
    h.forward(tensor([0.25, 3]));
    expect(String(h)).toBe('HistogramObserver(min_val=0.25, max_val=3.0)');
    expect(String(new Q.PerChannelMinMaxObserver())).toBe(
      'PerChannelMinMaxObserver(min_val=tensor([]), max_val=tensor([]))',
    );
    expect(String(new Q.FakeQuantize())).toMatch(
      /^FakeQuantize\(\n {2}fake_quant_enabled=tensor\(\[1\], dtype=torch\.uint8\), observer_enabled=tensor\(\[1\], dtype=torch\.uint8\), quant_min=0, quant_max=255, dtype=torch\.quint8, qscheme=torch\.per_tensor_affine, ch_axis=-1, scale=tensor\(\[1\.\]\), zero_point=tensor\(\[0\], dtype=torch\.int32\)/,
    );
  });
});
