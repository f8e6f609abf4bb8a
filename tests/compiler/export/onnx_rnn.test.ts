// GRU / RNN (tanh, relu), the cells and initial states on onnxruntime-web against fxq: float within 1e-4,
// dynamic int8 (float GRU / RNN / LSTM over the dequantized weights, which drop fxq's per-call activation
// quantization) within the tolerance of the FmnistLSTM float-LSTM form in onnx_ort.test.ts, and the dynamic
// LSTMCell as DynamicQuantizeLSTM. Small models, batch 2, sequence 5.
import { beforeAll, describe, expect, it } from 'vitest';
import { type ExportOnnxOptions, export_onnx_bytes } from '../../../compiler/export/onnx/export.js';
import { decode_model } from '../../../compiler/export/onnx/schema.js';
import { load_onnxruntime, type Ort } from '../../../examples/lib/onnx_runtime.js';
import { Generator, manual_seed, nn, no_grad, quantization, randn, Tensor } from '../../../index.js';

class Seqs extends nn.Module {
  gru = new nn.GRU(3, 4, { num_layers: 2, batch_first: true, bidirectional: true });
  relu = new nn.RNN(3, 4, { nonlinearity: 'relu' });
  tanh = new nn.RNN(3, 4, { bidirectional: true, batch_first: true, num_layers: 2 });
  gru_tm = new nn.GRU(3, 4);
  forward(x: Tensor): Tensor[] {
    const [g, gh] = this.gru.forward(x);
    const [r, rh] = this.relu.forward(x.transpose(0, 1));
    const [t, th] = this.tanh.forward(x);
    const [u, uh] = this.gru_tm.forward(x.transpose(0, 1));
    return [g, gh, r, rh, t, th, u, uh];
  }
}

/** Every recurrent module given its initial state: h0 [2, N, 4]; an LSTM's state tuple fed on. */
class States extends nn.Module {
  lstm = new nn.LSTM(3, 4, { num_layers: 2, batch_first: true });
  lstm2 = new nn.LSTM(4, 4, { num_layers: 2, batch_first: true });
  gru = new nn.GRU(3, 4, { batch_first: true });
  rnn = new nn.RNN(3, 4, { bidirectional: true, nonlinearity: 'relu' });
  forward(x: Tensor, h0: Tensor): Tensor[] {
    const [y, st] = this.lstm.forward(x, [h0, h0.mul(0.5)]);
    const [y2, [h2, c2]] = this.lstm2.forward(y, st);
    const [g, gh] = this.gru.forward(x, h0.narrow(0, 1, 1));
    const [r, rh] = this.rnn.forward(x.transpose(0, 1), h0);
    return [y2, h2, c2, g, gh, r, rh];
  }
}

/** The cells unrolled over the sequence, the first step without a state. */
class Cells extends nn.Module {
  lstm = new nn.LSTMCell(3, 4);
  gru = new nn.GRUCell(3, 4);
  relu = new nn.RNNCell(3, 4, { nonlinearity: 'relu' });
  tanh = new nn.RNNCell(3, 4);
  forward(x: Tensor): Tensor[] {
    const x0 = x.select(1, 0);
    let [h, c] = this.lstm.forward(x0);
    let g = this.gru.forward(x0);
    let r = this.relu.forward(x0);
    let t = this.tanh.forward(x0);
    for (let s = 1; s < 5; s++) {
      const xs = x.select(1, s);
      [h, c] = this.lstm.forward(xs, [h, c]);
      g = this.gru.forward(xs, g);
      r = this.relu.forward(xs, r);
      t = this.tanh.forward(xs, t);
    }
    return [h, c, g, r, t];
  }
}

const RECURRENT = new Set<unknown>([nn.LSTM, nn.GRU, nn.RNN, nn.LSTMCell, nn.GRUCell, nn.RNNCell]);

let ort: Ort;
beforeAll(async () => {
  ort = await load_onnxruntime();
});

const leaves = (v: unknown): Tensor[] => (v instanceof Tensor ? [v] : (v as unknown[]).flatMap(leaves));

/** The export's op types with their counts. */
function op_counts(bytes: Uint8Array): Record<string, number> {
  const ops: Record<string, number> = {};
  for (const n of decode_model(bytes).graph.node) ops[n.op_type] = (ops[n.op_type] ?? 0) + 1;
  return ops;
}

/** max |Δ| over every output of the export on onnxruntime-web against fxq's own outputs. */
async function max_diff(model: nn.Module, xs: Tensor[], options: ExportOnnxOptions, ops: Record<string, number>) {
  const bytes = export_onnx_bytes(model, xs, options);
  const got_ops = op_counts(bytes);
  for (const [op, n] of Object.entries(ops)) expect(got_ops[op] ?? 0, op).toBe(n);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const feeds = Object.fromEntries(
    session.inputNames.map((n, i) => [n, new ort.Tensor('float32', xs[i].data as Float32Array, [...xs[i].shape])]),
  );
  const got = await session.run(feeds);
  await session.release();
  const want = no_grad(() => leaves(model.call(...xs)));
  expect(session.outputNames.length).toBe(want.length);
  let d = 0;
  session.outputNames.forEach((n, k) => {
    const g = got[n].data as Float32Array;
    const w = want[k].contiguous().data as Float32Array;
    expect([...got[n].dims], n).toEqual(want[k].shape);
    for (let i = 0; i < w.length; i++) d = Math.max(d, Math.abs(g[i] - w[i]));
  });
  return d;
}

function inputs(): { x: Tensor; h0: Tensor } {
  const gen = new Generator(7);
  return { x: randn([2, 5, 3], { generator: gen }), h0: randn([2, 2, 4], { generator: gen }).mul(0.5) };
}

const dynamic = <M extends nn.Module>(m: M) => quantization.quantize_dynamic(m, RECURRENT as never, 'qint8');
// dtype 'int8' refuses a model without int8 weights: the dynamic swaps happened
const FLOAT_LSTM = { dtype: 'int8', dynamic_lstm: 'float' } as const;
const INT8_LSTM = { dtype: 'int8' } as const;
const SEQS = { GRU: 3, RNN: 3, LSTM: 0, MatMul: 0 };
const STATES = { LSTM: 4, GRU: 1, RNN: 1, Slice: 9 }; // per layer h_0 and c_0 of two 2-layer LSTMs, and narrow
// 20 cell calls: x, and h (c) on the 16 (4) calls with a state; h, c out
const CELLS = { LSTM: 5, GRU: 5, RNN: 10, Unsqueeze: 40, Squeeze: 25, MatMul: 0 };

describe('recurrent modules on onnxruntime-web', () => {
  const log: string[] = [];
  const check = (what: string, d: number, tol: number) => {
    log.push(`${what}: max |Δ| ${d.toExponential(2)}`);
    expect(d, what).toBeLessThan(tol);
  };

  it('float GRU / RNN (tanh, relu; layers, directions, batch_first) within 1e-4', async () => {
    manual_seed(0);
    check('float GRU / RNN', await max_diff(new Seqs().eval(), [inputs().x], {}, SEQS), 1e-4);
  });

  it('float LSTM / GRU / RNN with initial states (h_0, c_0; a state tuple fed on) within 1e-4', async () => {
    manual_seed(1);
    const { x, h0 } = inputs();
    check('float initial states', await max_diff(new States().eval(), [x, h0], {}, STATES), 1e-4);
  });

  it('float LSTMCell / GRUCell / RNNCell as one-step ONNX ops within 1e-4', async () => {
    manual_seed(2);
    check('float cells', await max_diff(new Cells().eval(), [inputs().x], {}, CELLS), 1e-4);
  });

  it('dynamic int8 GRU / RNN / LSTM / cells as float ops over the dequantized weights', async () => {
    manual_seed(3);
    const { x, h0 } = inputs();
    const q = { ...FLOAT_LSTM };
    check('dynamic GRU / RNN', await max_diff(dynamic(new Seqs().eval()), [x], q, SEQS), 0.25);
    check('dynamic initial states', await max_diff(dynamic(new States().eval()), [x, h0], q, STATES), 0.25);
    check('dynamic cells', await max_diff(dynamic(new Cells().eval()), [x], q, CELLS), 0.25);
  });

  it('dynamic int8 LSTMCell / LSTM with states as DynamicQuantizeLSTM', async () => {
    manual_seed(4);
    const { x, h0 } = inputs();
    const cells = { ...CELLS, LSTM: 0, DynamicQuantizeLSTM: 5 };
    const states = { ...STATES, LSTM: 0, DynamicQuantizeLSTM: 4 };
    check(
      'dynamic cells, DynamicQuantizeLSTM',
      await max_diff(dynamic(new Cells().eval()), [x], INT8_LSTM, cells),
      0.25,
    );
    check(
      'dynamic initial states, DynamicQuantizeLSTM',
      await max_diff(dynamic(new States().eval()), [x, h0], INT8_LSTM, states),
      0.25,
    );
    console.log(log.join('\n'));
  });
});
