/** Dynamic FX quantization (default_dynamic_qconfig for nn.Linear and nn.LSTM) of FmnistLSTM vs PyTorch's golden. */
import { describe, expect, it } from 'vitest';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { FmnistLSTM, load_weights } from '../../examples/models/fmnist_lstm.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { LSTM } from '../../runtime/nn/layers/rnn.js';
import { default_dynamic_qconfig } from '../../runtime/quant/qconfig.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { load_golden, state_dict_bytes } from './quantize_fx_helpers.js';

const golden = load_golden('fmnist_lstm_dynamic');
const x = golden.t['input/x_fp32'];

describe('prepare_fx + convert_fx with dynamic qconfigs (FmnistLSTM)', () => {
  const fp32 = load_weights(new FmnistLSTM()).eval();
  const qconfig_dict = {
    object_type: [
      [LSTM, default_dynamic_qconfig],
      [Linear, default_dynamic_qconfig],
    ] as [typeof LSTM, typeof default_dynamic_qconfig][],
  };
  const prepared = prepare_fx(fp32, qconfig_dict, [x]);
  const q = convert_fx(prepared);

  it('inserts no activation observers and swaps in the dynamic int8 modules', () => {
    expect(prepared.graph.nodes.some((n) => n.target.startsWith('activation_post_process'))).toBe(false);
    expect(q.get_submodule('lstm').constructor.name).toBe('LSTM');
    expect(q.get_submodule('lstm')).not.toBeInstanceOf(LSTM);
    expect(q.get_submodule('fc')).not.toBeInstanceOf(Linear);
    expect(q.graph.nodes.some((n) => n.target === 'quantize_per_tensor' || n.target === 'dequantize')).toBe(false);
  });

  it('reproduces torch’s dynamic-int8 logits on the golden batch bit for bit', () => {
    const out = q.forward(x) as Tensor;
    const want = (golden.json.int8_logits as number[][]).flat();
    expect([...out.data]).toEqual(want.map(Math.fround));
  });

  it('is at most 30% of the fp32 size', () => {
    expect(state_dict_bytes(q.state_dict()) / state_dict_bytes(fp32.state_dict())).toBeLessThanOrEqual(0.3);
  });
});
