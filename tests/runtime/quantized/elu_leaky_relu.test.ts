/** nn.quantized.ELU / LeakyReLU and their functions against independent arithmetic, torch's names and FX lowering. */
import { describe, expect, it } from 'vitest';
import '../../../index.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import * as F from '../../../runtime/nn/functional/index.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { Module } from '../../../runtime/nn/module.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { elu, leaky_relu } from '../../../runtime/quantized/functional/elu_leaky_relu.js';
import { ELU, LeakyReLU } from '../../../runtime/quantized/modules/elu_leaky_relu.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';

const all = (scale: number, zp: number) =>
  make_qtensor(
    Uint8Array.from({ length: 256 }, (_, i) => i),
    [256],
    'quint8',
    scale,
    zp,
  );

/** |q − (f(x)/s + zp)| in double, clamped: the table must round f to the nearest step (ties aside). */
function within_half_step(out: Tensor, s_in: number, zp_in: number, f: (x: number) => number): void {
  const s = out.q_scale();
  const zp = out.q_zero_point();
  for (let i = 0; i < 256; i++) {
    const want = Math.min(255, Math.max(0, f(Math.fround(s_in) * (i - zp_in)) / s + zp));
    expect(Math.abs(out.data[i] - want), `q = ${i}`).toBeLessThanOrEqual(0.5 + 1e-3);
  }
}

describe('quantized ELU and LeakyReLU', () => {
  it('elu: hand-computed steps, and every byte within half a step of α(eˣ − 1) / x', () => {
    const x = make_qtensor(Uint8Array.of(130, 126, 128, 0), [4], 'quint8', 0.5, 128);
    // x = 1 → 1·64 + 128; x = −1 → (e⁻¹ − 1)·64 = −40.46 → 88; x = 0 → 128; x = −64 → −64 → 64
    expect([...elu(x, 1, 1 / 64, 128).data]).toEqual([192, 88, 128, 64]);
    for (const alpha of [1, 0.5, 2.5])
      within_half_step(elu(all(0.07, 140), alpha, 0.03, 100), 0.07, 140, (v) => (v > 0 ? v : alpha * Math.expm1(v)));
  });

  it('leaky_relu: hand-computed steps, and every byte within half a step of the float function', () => {
    const x = make_qtensor(Uint8Array.of(120, 136, 128), [3], 'quint8', 0.25, 128);
    // x = −2 → −0.4 → −4 + 50; x = 2 → 20 + 50; 0 → 50
    expect([...leaky_relu(x, 0.2, 0.1, 50).data]).toEqual([46, 70, 50]);
    for (const k of [0.01, 0.3, -0.5])
      within_half_step(leaky_relu(all(0.05, 90), k, 0.04, 120), 0.05, 90, (v) => (v > 0 ? v : k * v));
  });

  it("modules: torch's state_dict keys (ELU none, LeakyReLU scale / zero_point), reprs and argument errors", () => {
    const e = new ELU(0.1, 3, 0.5);
    const l = new LeakyReLU(0.2, 7, 0.1);
    expect(Object.keys(e.state_dict())).toEqual([]);
    expect(Object.keys(l.state_dict())).toEqual(['scale', 'zero_point']);
    expect(String(e)).toBe('ELU(alpha=0.5, scale=0.1, zero_point=3)');
    expect(String(l)).toBe('LeakyReLU(negative_slope=0.1)');
    expect(() => new ELU(0, 3)).toThrow(/ELU: output scale 0/);
    expect(() => new LeakyReLU(0.1, 300)).toThrow(/zero_point 300/);
    expect(() => elu(all(0.1, 0), Number.NaN, 0.1, 0)).toThrow(/quantized.elu: alpha/);
    expect(() => ELU.from_float(new Module())).toThrow(/ELU.from_float: .*activation_post_process/);
  });

  it('FX: F.elu / F.leaky_relu lower to quantized.elu / leaky_relu with their alpha / slope and own qparams', () => {
    class Net extends Module {
      conv = new Conv2d(2, 2, 1);
      forward(x: Tensor): Tensor {
        const y = F.elu(this.conv.forward(x), { alpha: 0.5 });
        return F.leaky_relu(y, { negative_slope: 0.3 });
      }
    }
    manual_seed(3);
    const m = new Net().eval();
    const x = randn([1, 2, 5, 5]);
    const p = prepare_fx(m, { '': get_default_qconfig('qnnpack') }, [x]);
    p.forward(x);
    const q = convert_fx(p);
    const nodes = q.graph.nodes.filter((n) => n.target === 'quantized.elu' || n.target === 'quantized.leaky_relu');
    expect(nodes.map((n) => [n.target, n.args[1]])).toEqual([
      ['quantized.elu', 0.5],
      ['quantized.leaky_relu', 0.3],
    ]);
    const want = m.forward(x).data;
    const got = (q.forward(x) as Tensor).data;
    let max = 0;
    for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(want[i] - got[i]));
    expect(max).toBeLessThan(0.05);
  });
});
