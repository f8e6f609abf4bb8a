/**
 * nn.quantized.GroupNorm / InstanceNorm1d / 2d and quantized.group_norm / instance_norm against float64
 * arithmetic, torch's names, and the FX / eager decisions of torch 1.13 (FX keeps nn.GroupNorm float, F.group_norm
 * is a float island, InstanceNorm lowers; eager converts all three).
 */
import { describe, expect, it } from 'vitest';
import '../../../index.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { convert } from '../../../runtime/eager/convert.js';
import { prepare } from '../../../runtime/eager/prepare.js';
import { DeQuantStub, QuantStub } from '../../../runtime/eager/stubs.js';
import * as F from '../../../runtime/nn/functional/index.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { GroupNorm, InstanceNorm2d } from '../../../runtime/nn/layers/group_norm.js';
import { Module } from '../../../runtime/nn/module.js';
import type { QConfig } from '../../../runtime/quant/qconfig.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { group_norm, instance_norm } from '../../../runtime/quantized/functional/normalization.js';
import * as nnq from '../../../runtime/quantized/modules/normalization.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';

const vec = (v: number[]) => new Tensor(Float32Array.from(v), [v.length], 'float32');

/** Group norm of the dequantized input in float64, quantized by round-half-even: the independent reference. */
function reference(
  q: Uint8Array,
  shape: number[],
  s: number,
  zp: number,
  G: number,
  w: number[],
  b: number[],
  eps: number,
  os: number,
  ozp: number,
) {
  const [N, C] = shape;
  const S = q.length / (N * C);
  const n = (C / G) * S;
  const out: number[] = [];
  for (let g = 0; g < N * G; g++) {
    const xs = Array.from(q.subarray(g * n, (g + 1) * n), (v) => (v - zp) * Math.fround(s));
    const mean = xs.reduce((a, v) => a + v, 0) / n;
    const variance = xs.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    xs.forEach((v, i) => {
      const c = ((g % G) * (C / G) + Math.floor(i / S)) % C;
      const y = ((v - mean) / Math.sqrt(variance + eps)) * w[c] + b[c];
      out.push(Math.min(255, Math.max(0, Math.round(y / os) + ozp)));
    });
  }
  return out;
}

describe('quantized GroupNorm / InstanceNorm', () => {
  it('a hand-computed group: [0, 2] → ∓1 → 64, 192 at scale 1/64, zero point 128', () => {
    const x = make_qtensor(Uint8Array.of(0, 2, 5, 5), [1, 2, 2], 'quint8', 1, 0);
    // channel 0 is [0, 2] (one group per channel); channel 1 is constant: 0 · 1/√eps + bias 0.25 → 16 + 128
    const y = instance_norm(x, vec([1, 1]), vec([0, 0.25]), 1e-5, 1 / 64, 128);
    expect([...y.data]).toEqual([64, 192, 144, 144]);
    // eps 0 on a constant group: 0 · ∞ is NaN, which torch's AVX2 conversion (INT_MIN) clamps to qmin
    expect([...instance_norm(x, null, null, 0, 1 / 64, 128).data]).toEqual([64, 192, 0, 0]);
  });

  it('every output within one step of float64 arithmetic, ≥ 95% equal (random groups, affine, odd sizes)', () => {
    manual_seed(4);
    let equal = 0;
    let total = 0;
    for (const [N, C, G, H, W] of [
      [2, 6, 3, 5, 7],
      [1, 4, 1, 3, 3],
      [3, 5, 5, 2, 9],
    ]) {
      const shape = [N, C, H, W];
      const q = Uint8Array.from({ length: N * C * H * W }, (_, i) => (i * 37 + ((i * i) % 11) * 13) % 256);
      const w = Array.from({ length: C }, (_, i) => 0.5 + 0.3 * i);
      const b = Array.from({ length: C }, (_, i) => 0.1 * i - 0.2);
      const x = make_qtensor(q, shape, 'quint8', 0.05, 120);
      const y = group_norm(x, G, vec(w.map(Math.fround)), vec(b.map(Math.fround)), 1e-5, 0.02, 100);
      const want = reference(
        q,
        shape,
        0.05,
        120,
        G,
        w.map(Math.fround),
        b.map(Math.fround),
        1e-5,
        Math.fround(0.02),
        100,
      );
      for (let i = 0; i < want.length; i++) {
        expect(Math.abs(y.data[i] - want[i]), `element ${i}`).toBeLessThanOrEqual(1);
        equal += y.data[i] === want[i] ? 1 : 0;
        total++;
      }
      if (G === C)
        expect([...instance_norm(x, vec(w.map(Math.fround)), vec(b.map(Math.fround)), 1e-5, 0.02, 100).data]).toEqual([
          ...y.data,
        ]);
    }
    expect(equal / total).toBeGreaterThan(0.95);
  });

  it("modules: torch's state_dict keys and reprs; argument errors", () => {
    const g = new nnq.GroupNorm(2, 4, null, null, 0.1, 3);
    expect(Object.keys(g.state_dict())).toEqual(['weight', 'bias', 'scale', 'zero_point']);
    expect(String(g)).toBe('GroupNorm(2, 4, eps=1e-05, affine=True)');
    const i = new nnq.InstanceNorm2d(3, null, null, 0.1, 3);
    expect(Object.keys(i.state_dict())).toEqual(['scale', 'zero_point']);
    expect(String(i)).toBe('InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)');
    expect(() => new nnq.GroupNorm(3, 4, null, null, 0.1, 3)).toThrow(/divisible by num_groups/);
    expect(() => new nnq.GroupNorm(2, 4, vec([1, 2]), null, 0.1, 3)).toThrow(/4 elements/);
    const x = make_qtensor(new Uint8Array(12), [1, 3, 4], 'quint8', 0.1, 0);
    expect(() => i.forward(x)).toThrow(/InstanceNorm2d: expected a quint8 input of 4 dims/);
    expect(() => group_norm(x, 2, null, null, 1e-5, 0.1, 0)).toThrow(/divisible by num_groups \(2\)/);
    expect(() => group_norm(randn([1, 3, 4]), 1, null, null, 1e-5, 0.1, 0)).toThrow(/quantize it first/);
  });

  it('FX as torch 1.13: nn.GroupNorm stays float, F.group_norm is a float island, InstanceNorm2d lowers', () => {
    class Net extends Module {
      conv = new Conv2d(2, 4, 1);
      gn = new GroupNorm(2, 4);
      inorm = new InstanceNorm2d(4, { affine: true });
      forward(x: Tensor): Tensor {
        const y = this.inorm.forward(this.conv.forward(x));
        return this.gn.forward(F.group_norm(y, 2));
      }
    }
    manual_seed(5);
    const x = randn([2, 2, 5, 5]);
    const p = prepare_fx(new Net().eval(), { '': get_default_qconfig('qnnpack') }, [x]);
    p.forward(x);
    const q = convert_fx(p);
    expect(q.get_submodule('gn').constructor).toBe(GroupNorm);
    expect(q.get_submodule('inorm').constructor).toBe(nnq.InstanceNorm2d);
    const targets = q.graph.nodes.map((n) => n.target);
    const at = targets.indexOf('F.group_norm');
    expect(targets[at - 1]).toBe('dequantize');
    expect(targets.slice(at + 1, at + 4)).toContain('quantize_per_tensor');
  });

  it('eager: nn.GroupNorm and nn.InstanceNorm2d become their int8 modules, within a step of float on the same input', () => {
    class Net extends Module {
      declare qconfig?: QConfig | null;
      quant = new QuantStub();
      dequant = new DeQuantStub();
      constructor(public m: Module) {
        super();
      }
      forward(x: Tensor): Tensor {
        return this.dequant.forward((this.m as GroupNorm).forward(this.quant.forward(x)));
      }
    }
    for (const [mod, cls] of [
      [new GroupNorm(3, 6), nnq.GroupNorm],
      [new InstanceNorm2d(6, { affine: true }), nnq.InstanceNorm2d],
    ] as const) {
      manual_seed(6);
      const x = randn([2, 6, 4, 3]);
      const m = new Net(mod).eval();
      m.qconfig = get_default_qconfig('qnnpack');
      const p = prepare(m);
      p.forward(x);
      const q = convert(p);
      expect(q.m.constructor).toBe(cls);
      const xq = q.quant.forward(x);
      const want = mod.forward(xq.dequantize()).data;
      const got = (q.m as nnq.GroupNorm).forward(xq).dequantize().data;
      expect([...q.forward(x).data]).toEqual([...got]);
      const qm = q.m as nnq.GroupNorm;
      const [s, z] = [qm.scale.data[0], qm.zero_point.data[0]];
      // the histogram observer clips the tails: compare inside the representable range
      for (let i = 0; i < want.length; i++)
        if (want[i] > -z * s && want[i] < (255 - z) * s)
          expect(Math.abs(want[i] - got[i])).toBeLessThan(0.5 * s + 1e-5);
    }
  });
});
