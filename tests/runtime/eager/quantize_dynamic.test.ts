/** quantize_dynamic: qint8 against PyTorch's dynamic FmnistLSTM golden, qconfig_spec forms, and the float16 path. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FmnistLSTM } from '../../../examples/models/fmnist_lstm.js';
import { load_safetensors, nn, no_grad, quantization as Q, Tensor } from '../../../index.js';
import { float16_bits, float16_value, round_to_float16 } from '../../../runtime/eager/float16.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const golden = load_safetensors(join(ROOT, 'tests/fixtures/reference/golden/fmnist_lstm_dynamic.safetensors'));
const x = golden['input/x_fp32'];

function model(): FmnistLSTM {
  const m = new FmnistLSTM();
  m.load_state_dict(load_safetensors(join(ROOT, 'tests/fixtures/quantized/fmnist_lstm.safetensors')));
  return m.eval();
}

function max_abs_diff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('quantize_dynamic (qint8)', () => {
  it('{LSTM, Linear} gives PyTorch’s int8 weights and its dynamic logits on the golden batch', () => {
    const float_model = model();
    const q = Q.quantize_dynamic(float_model, new Set([nn.LSTM, nn.Linear]), 'qint8');
    expect(q).not.toBe(float_model);
    expect(float_model.lstm).toBeInstanceOf(nn.LSTM);
    expect(q.lstm).toBeInstanceOf(nn.quantized.dynamic.LSTM);
    expect(q.fc).toBeInstanceOf(nn.quantized.dynamic.Linear);
    expect(q.training).toBe(false);
    const fc_w = (q.fc as unknown as nn.quantized.dynamic.Linear).weight();
    expect(Array.from(fc_w.data)).toEqual(Array.from(golden['fc/weight_int8'].data));
    const y = no_grad(() => q.forward(x));
    expect(max_abs_diff(y.data, golden['int8/logits_dynamic'].data)).toBeLessThan(1e-2);
  });

  it('qconfig_spec by qualified name swaps only that module; the default spec swaps all supported classes', () => {
    const only_fc = Q.quantize_dynamic(model(), { fc: Q.default_dynamic_qconfig });
    expect(only_fc.fc).toBeInstanceOf(nn.quantized.dynamic.Linear);
    expect(only_fc.lstm).toBeInstanceOf(nn.LSTM);
    const all = Q.quantize_dynamic(model());
    expect(all.lstm).toBeInstanceOf(nn.quantized.dynamic.LSTM);
    const cells = Q.quantize_dynamic(new nn.Sequential(new nn.GRUCell(4, 3), new nn.RNN(3, 2)));
    expect(cells.at(0)).toBeInstanceOf(nn.quantized.dynamic.GRUCell);
    expect(cells.at(1)).toBeInstanceOf(nn.quantized.dynamic.RNN);
  });

  it('rejects an unknown dtype and a set holding something other than classes', () => {
    expect(() => Q.quantize_dynamic(model(), null, 'quint8' as 'qint8')).toThrow(
      /dtype must be 'qint8' or 'float16', got 'quint8'/,
    );
    expect(() => Q.quantize_dynamic(model(), new Set(['fc' as unknown as typeof nn.Linear]))).toThrow(
      /holds module classes/,
    );
  });
});

describe('quantize_dynamic (float16)', () => {
  it('binary16 rounding: exact values, ties to even, subnormals and overflow', () => {
    expect(float16_bits(1)).toBe(0x3c00);
    expect(float16_bits(65504)).toBe(0x7bff);
    expect(float16_bits(65520)).toBe(0x7c00); // rounds up to inf
    expect(float16_value(0x0001)).toBe(2 ** -24);
    expect(round_to_float16(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → even (0)
    expect(round_to_float16(3 * 2 ** -25)).toBe(2 ** -23); // tie → even mantissa 2
    expect(round_to_float16(1 + 2 ** -11)).toBe(1); // tie → even
    expect(round_to_float16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(round_to_float16(-0.1)).toBeCloseTo(-0.0999755859375, 12);
  });

  it('swaps LSTM and Linear for fp16-weight modules whose weights are fp16-exact and logits stay near fp32', () => {
    const float_model = model();
    const q = Q.quantize_dynamic(float_model, null, 'float16');
    expect(q.lstm).toBeInstanceOf(Q.float16_dynamic.LSTMFP16);
    expect(q.fc).toBeInstanceOf(Q.float16_dynamic.LinearFP16);
    const w = (q.fc as nn.Linear).weight.data;
    const w32 = float_model.fc.weight.data;
    let changed = 0;
    for (let i = 0; i < w.length; i++) {
      expect(w[i]).toBe(round_to_float16(w32[i]));
      if (w[i] !== w32[i]) changed++;
    }
    expect(changed).toBeGreaterThan(w.length / 2);
    const fc16 = q.fc as Q.float16_dynamic.LinearFP16;
    expect(fc16.packed_nbytes()).toBe(2 * 128 * 10 + 4 * 10);
    const y = no_grad(() => q.forward(x) as Tensor);
    const y32 = no_grad(() => float_model.forward(x));
    const d = max_abs_diff(y.data, y32.data);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(5e-3);
  });
});

describe('float16 modules and state_dict', () => {
  it('load_state_dict rounds loaded weights to float16 and keeps the packed bits in step', () => {
    const q = Q.quantize_dynamic(new nn.Sequential(new nn.Linear(3, 2)), null, 'float16');
    const lin = q.at(0) as Q.float16_dynamic.LinearFP16;
    const sd = q.state_dict();
    const w = new Float32Array([0.1, 0.2, 0.3, 1 / 3, 1e-5, 7]);
    q.load_state_dict({ ...sd, '0.weight': new Tensor(w, [2, 3], 'float32') });
    for (let i = 0; i < 6; i++) {
      expect(lin.weight.data[i]).toBe(round_to_float16(w[i]));
      expect(float16_value(lin._packed_weights.get('weight')?.[i] ?? -1)).toBe(lin.weight.data[i]);
    }
  });
});
