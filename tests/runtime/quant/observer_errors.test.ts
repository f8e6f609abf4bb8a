import { describe, expect, it } from 'vitest';
import {
  EntropyObserver,
  FixedQParamsObserver,
  HistogramObserver,
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver,
  MSEObserver,
  NoopObserver,
  PerChannelMinMaxObserver,
  PercentileObserver,
  PlaceholderObserver,
} from '../../../runtime/quant/index.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';

const f32 = (a: number[], shape = [a.length]) => new Tensor(Float32Array.from(a), shape, 'float32');
const ALL = [
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  PerChannelMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver,
  HistogramObserver,
  PercentileObserver,
  MSEObserver,
  EntropyObserver,
] as const;

describe('observer errors', () => {
  for (const C of ALL) {
    it(`${C.name}: NaN / Inf in the data, and qparams before any data`, () => {
      const o = new C();
      expect(() => o.calculate_qparams()).toThrow(
        new RegExp(`${C.name}.calculate_qparams\\(\\): the observer has seen no data`),
      );
      expect(() => o.forward(f32([1, Number.NaN, 2]))).toThrow(
        new RegExp(`${C.name}.forward: input of shape \\[3\\] contains NaN at flat index 1`),
      );
      expect(() => o.forward(f32([1, 2, Number.POSITIVE_INFINITY, 0], [2, 2]))).toThrow(/contains Inf at flat index 2/);
      expect(() => o.forward(f32([Number.NEGATIVE_INFINITY]))).toThrow(/contains -Inf/);
      expect(() => o.forward(new Tensor(Int32Array.of(1), [1], 'int32'))).toThrow(
        /expected a float32 tensor, got int32/,
      );
    });
  }

  it('unknown option names', () => {
    expect(() => new MinMaxObserver({ qschme: 'per_tensor_affine' } as never)).toThrow(
      /MinMaxObserver: unknown option 'qschme'/,
    );
    expect(() => new MinMaxObserver({ ch_axis: 1 } as never)).toThrow(/unknown option 'ch_axis'/);
    expect(() => new HistogramObserver({ bins: 64, upsample_rate: 4 })).not.toThrow();
    expect(() => new PlaceholderObserver({ dtyp: 'quint8' } as never)).toThrow(
      /PlaceholderObserver: unknown option 'dtyp'/,
    );
  });

  it('invalid quant_min / quant_max', () => {
    expect(() => new MinMaxObserver({ quant_min: 1, quant_max: 10 })).toThrow(
      /MinMaxObserver: user-specified quantization range \[1, 10\] must include 0/,
    );
    expect(() => new MinMaxObserver({ quant_min: 0, quant_max: 0 })).toThrow(
      /quant_min \(0\) must be strictly less than quant_max \(0\)/,
    );
    expect(() => new MinMaxObserver({ dtype: 'qint8', quant_min: -200, quant_max: 100 })).toThrow(
      /exceeds the 8-bit range/,
    );
    expect(() => new MinMaxObserver({ quant_min: 0, quant_max: 300 })).toThrow(
      /fall outside quint8's range \[0, 255\]/,
    );
    expect(() => new MinMaxObserver({ quant_min: 0 })).toThrow(/quant_min and quant_max must be given together/);
    expect(() => new MinMaxObserver({ quant_min: -0.5, quant_max: 3 })).toThrow(/must be integers/);
    expect(() => new FixedQParamsObserver({ scale: 0.1, zero_point: 300 })).toThrow(
      /zero_point 300 is outside \[0, 255\]/,
    );
  });

  it('a qscheme (or dtype) the observer does not support', () => {
    expect(() => new MinMaxObserver({ qscheme: 'per_channel_affine' })).toThrow(
      /MinMaxObserver: qscheme per_channel_affine is not supported; use one of per_tensor_affine, per_tensor_symmetric/,
    );
    expect(() => new HistogramObserver({ qscheme: 'per_channel_symmetric' })).toThrow(
      /HistogramObserver: qscheme per_channel_symmetric is not supported/,
    );
    expect(() => new PerChannelMinMaxObserver({ qscheme: 'per_tensor_affine' })).toThrow(
      /PerChannelMinMaxObserver: qscheme per_tensor_affine is not supported/,
    );
    expect(() => new MinMaxObserver({ qscheme: 'per_tensor_weird' as never })).toThrow(
      /unknown qscheme per_tensor_weird/,
    );
    expect(() => new MinMaxObserver({ dtype: 'float32' as never })).toThrow(
      /MinMaxObserver: dtype must be one of quint8, qint8, qint32, quint4x2, got float32/,
    );
    expect(() => new MinMaxObserver({ qscheme: 'per_tensor_symmetric', reduce_range: true })).toThrow(
      /cannot reduce range for symmetric quantization with quint8/,
    );
  });

  it('per-channel misuse names the axis and shapes', () => {
    const o = new PerChannelMinMaxObserver({ ch_axis: 2 });
    expect(() => o.forward(f32([1, 2], [2]))).toThrow(/ch_axis 2 is out of range for input of shape \[2\]/);
    const p = new PerChannelMinMaxObserver();
    p.forward(f32([1, 2, 3], [3, 1]));
    expect(() => p.forward(f32([1, 2], [2, 1]))).toThrow(
      /input has 2 channels along axis 0 \(shape \[2, 1\]\) but the observer has seen 3/,
    );
  });

  it('placeholders have no qparams; empty tensors are ignored as torch does', () => {
    expect(() => new PlaceholderObserver().calculate_qparams()).toThrow(/should not be called for PlaceholderObserver/);
    expect(() => new NoopObserver().calculate_qparams()).toThrow(/NoopObserver/);
    const o = new MinMaxObserver();
    o.forward(new Tensor(new Float32Array(0), [0, 3], 'float32'));
    expect(() => o.calculate_qparams()).toThrow(/seen no data/);
  });
});
