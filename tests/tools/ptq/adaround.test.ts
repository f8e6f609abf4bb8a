// AdaRound: on a linear layer and a conv, the learned rounding gives a lower output MSE than rounding to
// nearest on held-out inputs; the frozen integers are exactly what convert_fx puts in the int8 module.
import { describe, expect, it } from 'vitest';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { Generator, nn, quantization, randn, type Tensor } from '../../../index.js';
import { enable_grad } from '../../../runtime/autograd/grad_mode.js';
import { HistogramObserver } from '../../../runtime/quant/histogram_observer.js';
import { PerChannelMinMaxObserver } from '../../../runtime/quant/per_channel_observer.js';
import { QConfig } from '../../../runtime/quant/qconfig.js';
import { adaround_weights, gram_quadratic } from '../../../tools/ptq/adaround.js';
import {
  adaround,
  adaround_calibrate,
  nearest_integers,
  weight_grid,
  weighted_layers,
} from '../../../tools/ptq/index.js';

const w4 = QConfig({
  activation: HistogramObserver.with_args({ dtype: 'quint8' }),
  weight: PerChannelMinMaxObserver.with_args({
    dtype: 'qint8',
    qscheme: 'per_channel_symmetric',
    quant_min: -8,
    quant_max: 7,
  }),
});

class Net extends nn.Module {
  conv = new nn.Conv2d(2, 6, 3);
  relu = new nn.ReLU();
  fc = new nn.Linear(6 * 4 * 4, 5);
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.relu.forward(this.conv.forward(x)).flatten(1));
  }
}

/** Mean squared output error Σ_o ((W̃ − W)x)_o² per row of layer `path` on `x` (via the float layers). */
function layer_mse(float_w: Tensor, dq: Tensor, rows: Tensor): number {
  const d = dq.sub(float_w).reshape(float_w.shape[0], -1);
  const y = rows.matmul(d.t());
  return (y.mul(y).sum().item() as number) / rows.shape[0];
}

/** im2col-free rows for the toy: the fc's inputs are its flattened input vectors. */
function fc_inputs(m: Net, x: Tensor): Tensor {
  return m.relu.forward(m.conv.forward(x)).flatten(1);
}

describe('adaround', () => {
  it('lowers the layer output MSE vs nearest on held-out inputs, and convert_fx keeps its integers', () => {
    const gen = new Generator(11);
    const m = new Net().eval();
    const train = randn([64, 2, 6, 6], { generator: gen });
    const held = randn([64, 2, 6, 6], { generator: gen });
    const prepared = quantization.prepare_fx(m, { '': w4 }, [train.narrow(0, 0, 1)]) as GraphModule;
    const layers = weighted_layers(prepared);
    const float_w = layers.map((l) => (l.weighted.weight as Tensor).clone());
    const nearest = layers.map((l) => nearest_integers(l.weighted.weight as Tensor, weight_grid(l)));
    const grids = layers.map((l) => weight_grid(l));
    const reports = adaround(prepared, train, { iterations: 300, batch_size: 32 });
    expect(reports.map((r) => r.method)).toEqual(['adaround', 'adaround']);
    for (const r of reports) {
      expect(r.flipped).toBeGreaterThan(0);
      expect(r.mse_adaround).toBeLessThan(r.mse_nearest);
    }
    // held-out: the fc layer's inputs from fresh images
    const fc = 1;
    const rows = fc_inputs(m, held);
    const dq_near = float_w[fc].clone();
    const near = nearest[fc];
    const g = grids[fc];
    const k = near.length / 5;
    for (let i = 0; i < near.length; i++) dq_near.data[i] = Math.fround(near[i] * g.scale[Math.floor(i / k)]);
    const dq_ada = layers[fc].weighted.weight as Tensor;
    expect(layer_mse(float_w[fc], dq_ada, rows)).toBeLessThan(0.9 * layer_mse(float_w[fc], dq_near, rows));
    // every AdaRounded integer is floor or ceil of W/s, within −8..7
    for (let i = 0; i < near.length; i++) {
      const q = Math.round((dq_ada.data[i] as number) / g.scale[Math.floor(i / k)]);
      const x = (float_w[fc].data[i] as number) / g.scale[Math.floor(i / k)];
      expect(q === Math.floor(x) || q === Math.ceil(x) || q === 7 || q === -8).toBe(true);
      expect(q).toBeGreaterThanOrEqual(-8);
      expect(q).toBeLessThanOrEqual(7);
    }
    prepared.call(train);
    const q = quantization.convert_fx(prepared, { warn: false });
    const int_w = (q.get_submodule('fc') as unknown as { weight(): Tensor }).weight().int_repr();
    for (let i = 0; i < near.length; i++)
      expect(int_w.data[i]).toBe(Math.round((dq_ada.data[i] as number) / g.scale[Math.floor(i / k)]));
  });

  it('adaround_calibrate optimises each (layer, qconfig) once across jobs and reuses the integers', () => {
    const gen = new Generator(12);
    const m = new Net().eval();
    const x = randn([16, 2, 6, 6], { generator: gen });
    let steps = 0;
    let calibrated = 0;
    const cal = adaround_calibrate(x, () => calibrated++, { iterations: 20, on_progress: () => steps++ });
    const prep = (dict: object) => quantization.prepare_fx(m, dict as never, [x.narrow(0, 0, 1)]) as GraphModule;
    const a = prep({ '': w4, module_name: [['fc', null]] });
    cal(a);
    const after_conv = steps;
    expect(after_conv).toBeGreaterThan(0);
    const b = prep({ '': w4 });
    cal(b); // only fc is new
    expect(steps).toBeGreaterThan(after_conv);
    const after_fc = steps;
    const c = prep({ '': w4 });
    cal(c); // everything cached
    expect(steps).toBe(after_fc);
    expect(calibrated).toBe(3);
    const w = (g: GraphModule, i: number) => [...(weighted_layers(g)[i].weighted.weight as Tensor).data];
    expect(w(c, 0)).toEqual(w(a, 0));
    expect(w(c, 1)).toEqual(w(b, 1));
  });

  it("gram_quadratic's value and gradient (2ΔG, one matmul) equal the tape's Σ Δ ⊙ (ΔG)", () => {
    const gen = new Generator(3);
    const x = randn([40, 7], { generator: gen });
    const gram = x.t().matmul(x).div(40); // symmetric, as layer_inputs' Gram matrices are
    const d0 = randn([5, 7], { generator: gen });
    const a = d0.clone().requires_grad_();
    const b = d0.clone().requires_grad_();
    const [va, vb] = enable_grad(() => {
      const qa = gram_quadratic(a, gram).mul(3); // a non-unit upstream gradient
      const qb = b.matmul(gram).mul(b).sum().mul(3);
      qa.backward();
      qb.backward();
      return [qa.item(), qb.item()];
    });
    expect(va).toBeCloseTo(vb, 4);
    const ga = a.grad as Tensor;
    const gb = b.grad as Tensor;
    for (let i = 0; i < 35; i++) expect(ga.data[i]).toBeCloseTo(gb.data[i] as number, 4);
  });

  it('stops a layer early once every h(V) is 0 or 1, with the same integers as the full run', () => {
    const gen = new Generator(8);
    const n = 200;
    const k = 12;
    const x = randn([n, k], { generator: gen });
    const gram = x.t().matmul(x).div(n).contiguous().data as Float32Array;
    const w = randn([6, k], { generator: gen }).mul(0.3);
    const amax = Math.max(...[...(w.data as Float32Array)].map(Math.abs));
    const grid = {
      scale: new Float32Array(6).fill(amax / 7.5),
      zero_point: new Int32Array(6),
      quant_min: -8,
      quant_max: 7,
      qscheme: 'per_tensor_symmetric' as const,
      dtype: 'qint8' as const,
      per_channel: false,
    };
    const stats = { k, groups: 1, n, mean: new Float64Array(k), gram, rows: null };
    let early_steps = 0;
    const opts = { iterations: 3000, lr: 0.05 };
    const early = adaround_weights(w, grid, stats, opts, (s) => {
      early_steps = s;
    });
    let full_steps = 0;
    const full = adaround_weights(w, grid, stats, { ...opts, early_stop: false }, (s) => {
      full_steps = s;
    });
    expect(full_steps).toBe(3000);
    expect(early_steps).toBeLessThan(3000);
    expect(early_steps).toBeGreaterThan(600); // never inside the warm-up
    expect([...early]).toEqual([...full]);
  });
});
