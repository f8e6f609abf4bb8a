/** Quantized modules: from_float with real observers, state_dict layout and round trip, Quantize / DeQuantize, QFunctional. */
import { describe, expect, it } from 'vitest';
import { nn } from '../../../index.js';
import { no_grad } from '../../../runtime/autograd/grad_mode.js';
import { MinMaxObserver } from '../../../runtime/quant/minmax_observer.js';
import { PerChannelMinMaxObserver } from '../../../runtime/quant/per_channel_observer.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { golden_q, load_golden } from './golden_helpers.js';

const qconfig = (per_channel: boolean) => ({
  activation: () => new MinMaxObserver({ dtype: 'quint8', qscheme: 'per_tensor_affine' }),
  weight: () =>
    per_channel
      ? new PerChannelMinMaxObserver({ dtype: 'qint8', qscheme: 'per_channel_symmetric', ch_axis: 0 })
      : new MinMaxObserver({ dtype: 'qint8', qscheme: 'per_tensor_symmetric' }),
});

/** Prepares a float module by hand: attaches a qconfig and an output observer, then calibrates on `x`. */
function observe<M extends nn.Module>(mod: M, x: Tensor, per_channel = false): { mod: M; y: Tensor } {
  const qc = qconfig(per_channel);
  const obs = qc.activation();
  Object.assign(mod, { qconfig: qc, activation_post_process: obs });
  const y = no_grad(() => mod.call(x) as Tensor);
  obs.forward(y);
  return { mod, y };
}

function max_abs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('quantized modules', () => {
  manual_seed(0);
  const x = randn([4, 3, 8, 8]);
  const in_q = nn.quantized.Quantize.from_float(observe(new nn.Identity(), x).mod);

  for (const per_channel of [false, true]) {
    it(`Conv2d.from_float (${per_channel ? 'per-channel' : 'per-tensor'} weights) follows the float conv within quantization error`, () => {
      const conv = new nn.Conv2d(3, 6, 3, { padding: 1, stride: 2 });
      const { mod, y } = observe(conv, x, per_channel);
      const q = nn.quantized.Conv2d.from_float(mod);
      expect(q.weight().quantizer?.kind).toBe(per_channel ? 'per_channel' : 'per_tensor');
      const out = q.forward(in_q.forward(x));
      expect(out.shape).toEqual(y.shape);
      const err = max_abs(out.dequantize().data, y.data);
      expect(err).toBeLessThan(8 * out.q_scale());
    });
  }

  it('LinearReLU.from_float on a fused float module clamps at the zero point', () => {
    const lin = new nn.Linear(12, 5);
    const fused = new nn.Sequential(lin, new nn.ReLU());
    const xf = randn([7, 12]);
    const { mod, y } = observe(fused, xf);
    const q = nn.intrinsic.quantized.LinearReLU.from_float(mod);
    const xq = nn.quantized.Quantize.from_float(observe(new nn.Identity(), xf).mod).forward(xf);
    const out = q.forward(xq);
    expect(Math.min(...out.data)).toBeGreaterThanOrEqual(q.zero_point);
    expect(max_abs(out.dequantize().data, y.data)).toBeLessThan(8 * q.scale);
  });

  it('state_dict holds weight (qint8), weight_scale, weight_zero_point, bias, scale, zero_point and round-trips', () => {
    const { mod } = observe(new nn.Conv2d(3, 4, 3), x, true);
    const q = nn.quantized.Conv2d.from_float(mod);
    const sd = q.state_dict();
    expect(Object.keys(sd)).toEqual(['weight', 'weight_scale', 'weight_zero_point', 'bias', 'scale', 'zero_point']);
    expect(sd.weight.dtype).toBe('qint8');
    expect(sd.weight_scale.shape).toEqual([4]);
    const fresh = new nn.quantized.Conv2d(3, 4, 3);
    // as if read back from safetensors: plain int8 values, qparams from the side keys
    const plain = { ...sd, weight: new Tensor(Int8Array.from(sd.weight.data), sd.weight.shape, 'int8') };
    fresh.load_state_dict(plain);
    const xq = in_q.forward(x);
    expect([...fresh.forward(xq).data]).toEqual([...q.forward(xq).data]);
    expect(fresh.scale).toBe(q.scale);
    expect(fresh.weight().q_per_channel_scales().data).toEqual(q.weight().q_per_channel_scales().data);
  });

  it('load_state_dict rejects a wrong weight shape and missing keys, leaving the module untouched', () => {
    const a = new nn.quantized.Linear(4, 3);
    const b = new nn.quantized.Linear(5, 3);
    expect(() => a.load_state_dict(b.state_dict())).toThrow(
      /size mismatch for "weight": checkpoint has \[3, 5\], module has \[3, 4\]/,
    );
    const sd = a.state_dict();
    delete (sd as Record<string, Tensor>).weight_scale;
    expect(() => a.load_state_dict(sd)).toThrow(/missing keys: "weight_scale"/);
  });

  it("Quantize reproduces PyTorch's quantize_per_tensor of the golden input; DeQuantize inverts it", () => {
    const g = load_golden('fmnist_cnn_ptq');
    const ref = golden_q(g, 'node/quantize_per_tensor');
    const quant = new nn.quantized.Quantize(ref.q_scale(), ref.q_zero_point(), 'quint8');
    const xq = quant.forward(g.t['input/x_fp32']);
    expect([...xq.data]).toEqual([...ref.data]);
    expect(Object.keys(quant.state_dict())).toEqual(['scale', 'zero_point']);
    const back = new nn.quantized.DeQuantize().forward(xq);
    expect(back.dtype).toBe('float32');
    // inside the representable range (not clamped) the round trip is within half a step
    const xs = g.t['input/x_fp32'].data;
    for (let i = 0; i < xs.length; i++)
      if (xq.data[i] > 0 && xq.data[i] < 255)
        expect(Math.abs(back.data[i] - xs[i])).toBeLessThanOrEqual(ref.q_scale() / 2 + 1e-6);
  });

  it('QFunctional runs add / add_relu / mul / cat at its own qparams', () => {
    const ff = new nn.quantized.FloatFunctional();
    ff.activation_post_process = new MinMaxObserver();
    const a = randn([2, 5]);
    const b = randn([2, 5]);
    ff.add(a, b);
    const qf = nn.quantized.QFunctional.from_float(ff);
    const qa = nn.quantized.Quantize.from_float(observe(new nn.Identity(), a).mod).forward(a);
    const qb = nn.quantized.Quantize.from_float(observe(new nn.Identity(), b).mod).forward(b);
    const sum = qf.add(qa, qb);
    expect(sum.q_scale()).toBe(qf.scale);
    const real = a.data.map((v, i) => v + b.data[i]);
    expect(max_abs(sum.dequantize().data, real)).toBeLessThan(3 * qf.scale);
    expect(Math.min(...qf.add_relu(qa, qb).data)).toBeGreaterThanOrEqual(qf.zero_point);
    expect(qf.cat([qa, qb], 0).shape).toEqual([4, 5]);
    expect(qf.mul(qa, qb).shape).toEqual([2, 5]);
    // the scalar forms keep the input's integers and derive their own qparams (not qf's), as torch
    const half = qf.mul_scalar(qa, 0.5);
    expect([...half.data]).toEqual([...qa.data]);
    expect(half.q_scale()).toBe(Math.fround(qa.q_scale() * 0.5));
    const plus = qf.add_scalar(qa, 3 * qa.q_scale());
    expect([...plus.data]).toEqual([...qa.data]);
    expect(plus.q_zero_point()).toBe(qa.q_zero_point() - 3);
  });

  it("dynamic Linear from a float Linear without qconfig uses torch's default dynamic qconfig", () => {
    const lin = new nn.Linear(16, 4);
    const q = nn.quantized.dynamic.Linear.from_float(lin);
    const xf = randn([3, 16]);
    const y = q.forward(xf);
    const ref = no_grad(() => lin.forward(xf));
    expect(y.dtype).toBe('float32');
    expect(max_abs(y.data, ref.data)).toBeLessThan(0.05);
    expect(q.weight().q_zero_point()).toBe(0);
  });

  it('dynamic GRU / RNN and the cells follow their float counterparts', () => {
    const seq = randn([5, 2, 6]);
    for (const [F, Q] of [
      [new nn.GRU(6, 8, { num_layers: 2, bidirectional: true }), nn.quantized.dynamic.GRU],
      [new nn.RNN(6, 8), nn.quantized.dynamic.RNN],
      [new nn.LSTM(6, 8, { num_layers: 2 }), nn.quantized.dynamic.LSTM],
    ] as const) {
      const q = (Q as unknown as { from_float(m: nn.Module): nn.Module }).from_float(F);
      const [yf] = no_grad(() => F.call(seq) as [Tensor, unknown]);
      const [yq] = q.call(seq) as [Tensor, unknown];
      expect(yq.shape).toEqual(yf.shape);
      expect(max_abs(yq.data, yf.data)).toBeLessThan(0.05);
    }
    const cell = new nn.LSTMCell(6, 8);
    const qcell = nn.quantized.dynamic.LSTMCell.from_float(cell);
    const xs = randn([2, 6]);
    const [h] = qcell.forward(xs);
    const [hf] = no_grad(() => cell.forward(xs));
    expect(max_abs(h.data, hf.data)).toBeLessThan(0.05);
    const gcell = new nn.GRUCell(6, 8);
    expect(
      max_abs(nn.quantized.dynamic.GRUCell.from_float(gcell).forward(xs).data, no_grad(() => gcell.forward(xs)).data),
    ).toBeLessThan(0.05);
    expect(() => nn.quantized.dynamic.LSTM.from_float(new nn.GRU(6, 8))).toThrow(
      /weight_ih_l0 is \[24, 6\], expected \[32, 6\]/,
    );
  });
});
