/**
 * Recurrent cells with autograd, as torch's lstm_cell / gru_cell / rnn_tanh_cell / rnn_relu_cell.
 * The gate pre-activations come from F.linear (so weight gradients use the GEMM backward); the gate
 * math is one fused op per state with a hand-written backward, which keeps long sequences' tapes short.
 * Gate order follows torch: LSTM i, f, g, o; GRU r, z, n with n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
 */
import { record_grad } from '../../autograd/function.js';
import { define_function } from '../../tensor/dispatch.js';
import { add } from '../../tensor/ops/binary.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt, sigmoid_scalar } from './_util.js';
import { relu, tanh } from './activation.js';
import { linear } from './linear.js';

function f32(n: number): Float32Array {
  return new Float32Array(n);
}

/** c' = σ(f)·c + σ(i)·tanh(g) from LSTM gates [N, 4H] and c [N, H]. */
export function _lstm_cell_state(gates: Tensor, c: Tensor): Tensor {
  const [n, h4] = gates.shape;
  const h = h4 / 4;
  const gd = gates.data;
  const cd = c.data;
  const out = f32(n * h);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < h; j++) {
      const base = b * h4 + j;
      const i = sigmoid_scalar(gd[base]);
      const f = sigmoid_scalar(gd[base + h]);
      const g = Math.tanh(gd[base + 2 * h]);
      out[b * h + j] = f * cd[b * h + j] + i * g;
    }
  }
  const res = new Tensor(out, [n, h], 'float32');
  return record_grad(res, [gates, c], 'LstmCellStateBackward', (grad) => {
    const dd = grad.data;
    const dg = f32(n * h4);
    const dc = f32(n * h);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < h; j++) {
        const base = b * h4 + j;
        const i = sigmoid_scalar(gd[base]);
        const f = sigmoid_scalar(gd[base + h]);
        const g = Math.tanh(gd[base + 2 * h]);
        const d = dd[b * h + j];
        dg[base] = d * g * i * (1 - i);
        dg[base + h] = d * cd[b * h + j] * f * (1 - f);
        dg[base + 2 * h] = d * i * (1 - g * g);
        dc[b * h + j] = d * f;
      }
    }
    return [new Tensor(dg, gates.shape, 'float32'), new Tensor(dc, c.shape, 'float32')];
  });
}

/** h' = σ(o)·tanh(c') from LSTM gates [N, 4H] and the new cell state [N, H]. */
export function _lstm_hidden_state(gates: Tensor, c_new: Tensor): Tensor {
  const [n, h4] = gates.shape;
  const h = h4 / 4;
  const gd = gates.data;
  const cd = c_new.data;
  const out = f32(n * h);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < h; j++) out[b * h + j] = sigmoid_scalar(gd[b * h4 + 3 * h + j]) * Math.tanh(cd[b * h + j]);
  }
  const res = new Tensor(out, [n, h], 'float32');
  return record_grad(res, [gates, c_new], 'LstmHiddenStateBackward', (grad) => {
    const dd = grad.data;
    const dg = f32(n * h4);
    const dc = f32(n * h);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < h; j++) {
        const o = sigmoid_scalar(gd[b * h4 + 3 * h + j]);
        const tc = Math.tanh(cd[b * h + j]);
        const d = dd[b * h + j];
        dg[b * h4 + 3 * h + j] = d * tc * o * (1 - o);
        dc[b * h + j] = d * o * (1 - tc * tc);
      }
    }
    return [new Tensor(dg, gates.shape, 'float32'), new Tensor(dc, c_new.shape, 'float32')];
  });
}

/** h' = (1 − z)·n + z·h from GRU input gates gi [N, 3H], hidden gates gh [N, 3H] and h [N, H]. */
export function _gru_hidden_state(gi: Tensor, gh: Tensor, hx: Tensor): Tensor {
  const [n, h3] = gi.shape;
  const h = h3 / 3;
  const a = gi.data;
  const bh = gh.data;
  const hd = hx.data;
  const out = f32(n * h);
  const gate = (b: number, j: number): [number, number, number] => {
    const base = b * h3 + j;
    const r = sigmoid_scalar(a[base] + bh[base]);
    const z = sigmoid_scalar(a[base + h] + bh[base + h]);
    const nn = Math.tanh(a[base + 2 * h] + r * bh[base + 2 * h]);
    return [r, z, nn];
  };
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < h; j++) {
      const [, z, nn] = gate(b, j);
      out[b * h + j] = (1 - z) * nn + z * hd[b * h + j];
    }
  }
  const res = new Tensor(out, [n, h], 'float32');
  return record_grad(res, [gi, gh, hx], 'GruCellBackward', (grad) => {
    const dd = grad.data;
    const dgi = f32(n * h3);
    const dgh = f32(n * h3);
    const dh = f32(n * h);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < h; j++) {
        const base = b * h3 + j;
        const [r, z, nn] = gate(b, j);
        const d = dd[b * h + j];
        const dn_pre = d * (1 - z) * (1 - nn * nn);
        const dz_pre = d * (hd[b * h + j] - nn) * z * (1 - z);
        const dr_pre = dn_pre * bh[base + 2 * h] * r * (1 - r);
        dgi[base] = dr_pre;
        dgh[base] = dr_pre;
        dgi[base + h] = dz_pre;
        dgh[base + h] = dz_pre;
        dgi[base + 2 * h] = dn_pre;
        dgh[base + 2 * h] = dn_pre * r;
        dh[b * h + j] = d * z;
      }
    }
    return [
      new Tensor(dgi, gi.shape, 'float32'),
      new Tensor(dgh, gh.shape, 'float32'),
      new Tensor(dh, hx.shape, 'float32'),
    ];
  });
}

function check_cell(op: string, input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, gates: number): void {
  check_float(input, op);
  check_float(hx, op, 'hx');
  const hidden = w_hh.shape[1];
  if (w_ih.ndim !== 2 || w_hh.ndim !== 2 || w_ih.shape[0] !== gates * hidden || w_hh.shape[0] !== gates * hidden) {
    throw new Error(
      `${op}: weights must be w_ih [${gates}·H, I] and w_hh [${gates}·H, H], got ${fmt(w_ih.shape)} and ${fmt(w_hh.shape)}`,
    );
  }
  if (input.ndim !== 2 || input.shape[1] !== w_ih.shape[1]) {
    throw new Error(`${op}: expected input [N, ${w_ih.shape[1]}], got ${fmt(input.shape)}`);
  }
  if (hx.ndim !== 2 || hx.shape[0] !== input.shape[0] || hx.shape[1] !== hidden) {
    throw new Error(`${op}: expected hidden state [${input.shape[0]}, ${hidden}], got ${fmt(hx.shape)}`);
  }
}

/** torch.lstm_cell(input [N, I], [h, c], w_ih [4H, I], w_hh [4H, H], b_ih?, b_hh?) → [h', c']. */
export const lstm_cell = define_function(
  'lstm_cell',
  (
    input: Tensor,
    hx: readonly [Tensor, Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | null = null,
    b_hh: Tensor | null = null,
  ): [Tensor, Tensor] => {
    const [h, c] = hx;
    check_cell('lstm_cell', input, h, w_ih, w_hh, 4);
    if (c.ndim !== 2 || c.shape[0] !== h.shape[0] || c.shape[1] !== h.shape[1]) {
      throw new Error(`lstm_cell: cell state must have the hidden state's shape ${fmt(h.shape)}, got ${fmt(c.shape)}`);
    }
    const gates = add(linear(input, w_ih, b_ih), linear(h, w_hh, b_hh));
    const c_new = _lstm_cell_state(gates, c);
    return [_lstm_hidden_state(gates, c_new), c_new];
  },
);

/** torch.gru_cell(input [N, I], h [N, H], w_ih [3H, I], w_hh [3H, H], b_ih?, b_hh?) → h'. */
export const gru_cell = define_function(
  'gru_cell',
  (
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | null = null,
    b_hh: Tensor | null = null,
  ): Tensor => {
    check_cell('gru_cell', input, hx, w_ih, w_hh, 3);
    return _gru_hidden_state(linear(input, w_ih, b_ih), linear(hx, w_hh, b_hh), hx);
  },
);

/** An Elman cell h' = act(W_ih x + b_ih + W_hh h + b_hh), registered under `name`. */
function elman_cell(name: string, act: (x: Tensor) => Tensor) {
  return define_function(
    name,
    (
      input: Tensor,
      hx: Tensor,
      w_ih: Tensor,
      w_hh: Tensor,
      b_ih: Tensor | null = null,
      b_hh: Tensor | null = null,
    ): Tensor => {
      check_cell(name, input, hx, w_ih, w_hh, 1);
      return act(add(linear(input, w_ih, b_ih), linear(hx, w_hh, b_hh)));
    },
  );
}

/** torch.rnn_tanh_cell: h' = tanh(W_ih x + b_ih + W_hh h + b_hh). */
export const rnn_tanh_cell = elman_cell('rnn_tanh_cell', tanh);
/** torch.rnn_relu_cell: h' = relu(W_ih x + b_ih + W_hh h + b_hh). */
export const rnn_relu_cell = elman_cell('rnn_relu_cell', relu);
