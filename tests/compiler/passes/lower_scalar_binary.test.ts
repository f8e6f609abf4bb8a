/**
 * tensor ⊕ Python number in a quantized region (torch 1.13): quantized.add_scalar / add_scalar_relu /
 * mul_scalar / mul_scalar_relu (output qparams of their own, from ATen's _add_scalar_out / _mul_scalar_out),
 * and their lowering by convert_fx: the output shares the input's observer at prepare, and the quantize after
 * the op is dropped at convert.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Node } from '../../../compiler/ir/node.js';
import { is_observer_node } from '../../../compiler/passes/insert_observers.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { get_quantization_warnings, prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { relu } from '../../../runtime/nn/functional/activation.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { Linear } from '../../../runtime/nn/layers/linear.js';
import { Module } from '../../../runtime/nn/module.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { quantize_per_channel, quantize_per_tensor } from '../../../runtime/quant/qtensor.js';
import {
  add_scalar,
  add_scalar_relu,
  mul_scalar,
  mul_scalar_relu,
} from '../../../runtime/quantized/functional/scalar_binary.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { randn } from '../../../runtime/tensor/creation.js';
import { add, flatten, mul } from '../../../runtime/tensor/index.js';
import { manual_seed } from '../../../runtime/tensor/random.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { node_outputs } from '../../compiler/quantize_fx_helpers.js';

const f = Math.fround;
const u8 = (v: number[], scale: number, zp: number) =>
  make_qtensor(Uint8Array.from(v), [v.length], 'quint8', scale, zp);
const i8 = (v: number[], scale: number, zp: number) => make_qtensor(Int8Array.from(v), [v.length], 'qint8', scale, zp);
const qp = (t: Tensor) => [t.dtype, t.q_scale(), t.q_zero_point()];
const vals = (t: Tensor) => [...t.data];

describe('quantized.add_scalar / add_scalar_relu (ATen _add_scalar_out, qadd_scalar_kernel)', () => {
  it('z − c_q in range: the values are kept, the zero point moves by c_q = nearbyint(c / s); relu clamps at it', () => {
    const x = u8([0, 10, 100, 255], 0.5, 100);
    const y = add_scalar(x, 3); // c_q = 6
    expect(qp(y)).toEqual(['quint8', 0.5, 94]);
    expect(vals(y)).toEqual([0, 10, 100, 255]);
    expect(vals(add_scalar_relu(x, 3))).toEqual([94, 94, 100, 255]);
    expect(add_scalar(x, 1.25).q_zero_point()).toBe(98); // 2.5 rounds half to even: c_q = 2
    expect(add_scalar(x, 1.75).q_zero_point()).toBe(96); // 3.5 → 4
    expect(add_scalar(x, -77.5).q_zero_point()).toBe(255); // c_q = −155: the top of the range, still a shift
  });

  it('z − c_q < q_min: s′ = (q_max − (z − c_q)) / 255 · s, z′ = q_min, values requantized (multiplier in float32)', () => {
    const x = u8([0, 10, 100, 255], 0.5, 10);
    const y = add_scalar(x, 20); // c_q = 40, z − c_q = −30
    expect(qp(y)).toEqual(['quint8', f((285 / 255) * 0.5), 0]);
    // 0 + rne(fround((x − 10 + 40) · fround(0.5 · fround(1 / s′)))), multiplier 0.8947368…
    expect(vals(y)).toEqual([27, 36, 116, 255]);
    expect(vals(add_scalar_relu(x, 20))).toEqual([27, 36, 116, 255]); // z′ = q_min: relu changes nothing
  });

  it('z − c_q > q_max: s′ = ((z − c_q) − q_min) / 255 · s, z′ = q_max; relu then gives all zeros (z′)', () => {
    const x = u8([0, 10, 100, 255], 0.5, 250);
    const y = add_scalar(x, -10); // c_q = −20, z − c_q = 270
    expect(qp(y)).toEqual(['quint8', f((270 / 255) * 0.5), 255]);
    expect(vals(y)).toEqual([0, 9, 94, 241]);
    expect(vals(add_scalar_relu(x, -10))).toEqual([255, 255, 255, 255]);
  });

  it('qint8: the range is [−128, 127]', () => {
    const x = i8([-128, 0, 50, 127], 0.1, 0);
    const y = add_scalar(x, -20); // c_q = −200, z − c_q = 200 > 127
    expect(qp(y)).toEqual(['qint8', f((328 / 255) * f(0.1)), 127]);
    expect(vals(y)).toEqual([-128, -28, 10, 70]);
    expect(vals(add_scalar_relu(x, -20))).toEqual([127, 127, 127, 127]);
    const z = add_scalar(i8([-128, -3, 127], 0.1, -3), 0.5); // c_q = 5: shift
    expect([...qp(z), ...vals(z)]).toEqual(['qint8', f(0.1), -8, -128, -3, 127]);
  });

  it('dequantized output = dequantized input + c within s/2 (shift) or s/2 + s′/2 (requantized)', () => {
    manual_seed(11);
    for (const [scale, zp, c] of [
      [0.03, 128, 0.7],
      [0.03, 128, -2.9],
      [0.02, 20, 4],
      [0.05, 240, -9],
      [0.1, 0, 1e3],
    ]) {
      const x = quantize_per_tensor(randn([500]).mul(3), scale, zp, 'quint8');
      const dx = x.dequantize().data;
      for (const relu_ of [false, true]) {
        const y = (relu_ ? add_scalar_relu : add_scalar)(x, c);
        const dy = y.dequantize().data;
        const tol = f(scale) / 2 + (y.q_scale() === f(scale) ? 0 : y.q_scale() / 2) + 1e-5 * Math.abs(c);
        for (let i = 0; i < dx.length; i++) {
          const want = relu_ ? Math.max(dx[i] + c, 0) : dx[i] + c;
          expect(Math.abs(dy[i] - want), `s=${scale} z=${zp} c=${c} i=${i}`).toBeLessThanOrEqual(tol);
        }
      }
    }
  });
});

describe('quantized.mul_scalar / mul_scalar_relu (ATen _mul_scalar_out)', () => {
  const x = u8([0, 50, 200, 255], 0.25, 50);
  it('c > 0: same values, scale c·s, same zero point; relu clamps at the zero point', () => {
    const y = mul_scalar(x, 2);
    expect([...qp(y), ...vals(y)]).toEqual(['quint8', 0.5, 50, 0, 50, 200, 255]);
    expect(vals(mul_scalar_relu(x, 2))).toEqual([50, 50, 200, 255]);
    expect(mul_scalar(x, 0.3).q_scale()).toBe(f(0.3 * 0.25));
  });
  it('c = 0: all zeros at scale 1, zero point 0', () => {
    for (const op of [mul_scalar, mul_scalar_relu]) {
      const y = op(x, 0);
      expect([...qp(y), ...vals(y)]).toEqual(['quint8', 1, 0, 0, 0, 0, 0]);
    }
  });
  it('c < 0: values q_max + q_min − x, scale |c|·s, zero point q_max − (z − q_min); relu clamps at it', () => {
    const y = mul_scalar(x, -3);
    expect([...qp(y), ...vals(y)]).toEqual(['quint8', 0.75, 205, 255, 205, 55, 0]);
    expect(vals(mul_scalar_relu(x, -3))).toEqual([255, 205, 205, 205]);
    const q = i8([-128, -1, 0, 127], 0.5, -1);
    const z = mul_scalar(q, -1);
    // zero point 127 − (−1 − (−128)) = 0
    expect([...qp(z), ...vals(z)]).toEqual(['qint8', 0.5, 0, 127, 0, -1, -128]);
    expect(vals(mul_scalar_relu(q, -1))).toEqual([127, 0, 0, 0]);
    const w = mul_scalar_relu(i8([-128, -1, 0, 127], 0.5, 20), -1); // zero point −21
    expect([...qp(w), ...vals(w)]).toEqual(['qint8', 0.5, -21, 127, 0, -1, -21]);
  });
  it('dequantized output = c · dequantized input (exact up to the float32 rounding of c·s)', () => {
    manual_seed(12);
    const q = quantize_per_tensor(randn([300]), 0.02, 130, 'quint8');
    const dq = q.dequantize().data;
    for (const c of [0.5, 3, 0.37, -1.5, -0.2]) {
      const dy = mul_scalar(q, c).dequantize().data;
      const dr = mul_scalar_relu(q, c).dequantize().data;
      for (let i = 0; i < dq.length; i++) {
        expect(Math.abs(dy[i] - c * dq[i])).toBeLessThanOrEqual(1e-6 * Math.abs(c * dq[i]) + 1e-7);
        expect(Math.abs(dr[i] - Math.max(c * dq[i], 0))).toBeLessThanOrEqual(1e-6 * Math.abs(c * dq[i]) + 1e-7);
      }
    }
  });
});

describe('errors name the op and what was wrong', () => {
  const x = u8([1, 2], 0.1, 0);
  it('float or per-channel input, non-finite or non-number scalar, out-of-int32 steps', () => {
    expect(() => add_scalar(new Tensor(Float32Array.of(1), [1], 'float32'), 1)).toThrow(
      /quantized\.add_scalar: input is a float tensor \(tensor \[1\] float32\)/,
    );
    const pc = quantize_per_channel(
      randn([2, 2]),
      new Tensor(Float32Array.of(0.1, 0.2), [2], 'float32'),
      new Tensor(Int32Array.of(0, 0), [2], 'int32'),
      0,
      'qint8',
    );
    expect(() => mul_scalar(pc, 2)).toThrow(/quantized\.mul_scalar: only per-tensor quantized inputs are supported/);
    expect(() => mul_scalar_relu(x, Number.NaN)).toThrow(
      /quantized\.mul_scalar_relu: the scalar operand must be finite, got NaN/,
    );
    expect(() => add_scalar_relu(x, Number.POSITIVE_INFINITY)).toThrow(/must be finite, got Infinity/);
    expect(() => add_scalar(x, 'a' as unknown as number)).toThrow(/the scalar operand must be a number, got string/);
    expect(() => add_scalar(x, 1e9)).toThrow(
      /quantized\.add_scalar: the scalar 1000000000 is \d+ input steps \(scale 0\.1\d*\), out of int32/,
    );
    expect(() => mul_scalar(x, 1e-300)).toThrow(/output scale .* is not a positive finite float32/);
    // a one-element float tensor is accepted as the scalar (torch's `.Tensor` overloads)
    const y = u8([1, 2], 0.1, 10);
    expect(add_scalar(y, new Tensor(Float32Array.of(0.2), [], 'float32')).q_zero_point()).toBe(8);
  });
});

/** conv → x·0.5 → +1 → relu → flatten → linear, plus a two-tensor add and a number-first mul. */
class Scalars extends Module {
  conv = new Conv2d(2, 3, 3);
  conv2 = new Conv2d(2, 3, 3);
  fc = new Linear(3 * 4 * 4, 6);
  forward(x: Tensor): Tensor[] {
    const y = this.conv.forward(x).mul(0.5); // method
    const z = relu(add(y, 1)); // function + relu: add_scalar_relu
    const w = add(this.conv2.forward(x), z); // two tensors: quantized.add with qparams
    return [this.fc.forward(flatten(z, 1)), mul(-2, w)];
  }
}

load_wasm_backend();
afterAll(() => set_backend('js'));

describe('convert_fx lowers tensor ⊕ number to the scalar ops', () => {
  manual_seed(5);
  const model = new Scalars().eval();
  const x = randn([64, 2, 6, 6]);
  const prepared = prepare_fx(model, { '': get_default_qconfig('qnnpack') }, [x]);
  prepared.forward(x);
  const q = convert_fx(prepared, { warn: false });
  const ref = convert_fx(prepared, { is_reference: true, warn: false });
  const node = (target: string) => q.graph.nodes.find((n) => n.target === target) as Node;

  it('prepare: no warning; the op output calls its input’s observer module (share)', () => {
    expect(get_quantization_warnings(prepared)).toEqual([]);
    expect(get_quantization_warnings(q)).toEqual([]);
    const mul_node = prepared.graph.nodes.find((n) => n.op === 'call_method' && n.target === 'mul') as Node;
    const [out_obs] = mul_node.users;
    const in_obs = mul_node.args[0] as Node;
    expect(is_observer_node(prepared, in_obs) && is_observer_node(prepared, out_obs)).toBe(true);
    expect(out_obs.target).toBe(in_obs.target);
  });

  it('the int8 graph: one region, the scalar ops with the numbers as args, the two-tensor add with qparams', () => {
    q.graph.lint(q);
    const targets = q.graph.nodes.map((n) => n.target);
    expect(targets.filter((t) => t === 'quantize_per_tensor')).toHaveLength(1);
    expect(targets.filter((t) => t === 'dequantize')).toHaveLength(2); // the two outputs
    const m = node('quantized.mul_scalar');
    expect([m.name, (m.args[0] as Node).name, m.args[1]]).toEqual(['mul_2', 'conv', 0.5]); // torch names the int8 op beside the float mul
    const a = node('quantized.add_scalar_relu');
    expect([a.name, (a.args[0] as Node).name, a.args[1]]).toEqual(['add_relu', 'mul_2', 1]);
    const m2 = q.graph.nodes.filter((n) => n.target === 'quantized.mul_scalar')[1];
    expect([(m2.args[0] as Node).target, m2.args[1]]).toEqual(['quantized.add', -2]);
    const two = node('quantized.add');
    expect(two.args).toHaveLength(4);
    expect((two.args[2] as Node).op).toBe('get_attr');
    expect(q.code).toContain('quantized.mul_scalar(conv, 0.5)');
    expect(q.code).toContain('quantized.add_scalar_relu(mul_2, 1)');
    expect(q.code).toMatch(/mul_3 = quantized\.mul_scalar\(add_2, -2\)/);
    expect(q.code).toContain('add_scalar_relu: typeof fxq_types.nn.quantized.functional.add_scalar_relu;');
  });

  it('meta.qparams of the scalar ops (and of flatten after them) are the tensors’ own', () => {
    const outs = node_outputs(q, x);
    for (const n of q.graph.nodes) {
      const v = outs.get(n.name);
      if (!(v instanceof Tensor) || !v.is_quantized) continue;
      const meta = n.meta.qparams as { scale: number; zero_point: number };
      expect([f(meta.scale), meta.zero_point], n.name).toEqual([v.q_scale(), v.q_zero_point()]);
    }
    const conv = outs.get('conv') as Tensor;
    const mul_out = outs.get('mul_2') as Tensor;
    expect([mul_out.q_scale(), mul_out.q_zero_point()]).toEqual([f(conv.q_scale() * 0.5), conv.q_zero_point()]);
    expect(vals(mul_out)).toEqual(vals(conv));
    expect(vals(outs.get('add_relu') as Tensor)).toEqual(vals(add_scalar_relu(mul_out, 1)));
  });

  // The reference model requantizes every intermediate to the shared (widened) observer's grid, the int8
  // graph keeps the scalar ops exact (mul) or rounds only c (add): the int8 outputs are the closer to the
  // float model, and differ from the reference's by its own roundings, carried through the linear layer
  it('outputs near the reference model’s (≤ 2 steps, ≥ 90% within one) and closer to float; js = wasm', () => {
    const r = ref.forward(x) as Tensor[];
    const fl = model.forward(x) as Tensor[];
    set_backend('js');
    const js = q.forward(x) as Tensor[];
    set_backend('wasm');
    const wasm = q.forward(x) as Tensor[];
    set_backend('js');
    const steps = [node('fc'), q.graph.nodes.filter((n) => n.target === 'quantized.mul_scalar')[1]].map(
      (n) => (n.meta.qparams as { scale: number }).scale,
    );
    js.forEach((out, k) => {
      expect(vals(wasm[k])).toEqual(vals(out));
      let within = 0;
      let worst = 0;
      let err_int8 = 0;
      let err_ref = 0;
      for (let i = 0; i < out.data.length; i++) {
        const d = Math.abs(out.data[i] - r[k].data[i]) / steps[k];
        if (d <= 1 + 1e-6) within++;
        worst = Math.max(worst, d);
        err_int8 += Math.abs(out.data[i] - fl[k].data[i]);
        err_ref += Math.abs(r[k].data[i] - fl[k].data[i]);
      }
      expect(within / out.data.length, `output ${k}`).toBeGreaterThanOrEqual(0.9);
      expect(worst, `output ${k}`).toBeLessThanOrEqual(2 + 1e-6);
      expect(err_int8, `output ${k}`).toBeLessThanOrEqual(err_ref);
    });
  });
});

describe('what stays float', () => {
  class Alpha extends Module {
    conv = new Conv2d(1, 2, 3);
    forward(x: Tensor): Tensor[] {
      const y = this.conv.forward(x);
      return [add(y, 1, { alpha: 2 }), relu(y).mul(Number.NaN)];
    }
  }
  it('add with a non-unit alpha and a non-finite number: kept in float, with the usual warning', () => {
    manual_seed(2);
    const x = randn([2, 1, 5, 5]);
    const prepared = prepare_fx(new Alpha().eval(), { '': get_default_qconfig('qnnpack') }, [x]);
    prepared.forward(x);
    const warnings = get_quantization_warnings(prepared);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /call_function 'add' \(node 'add'\): add needs quantized tensor inputs, got 1; kept in float/,
        ),
        expect.stringMatching(
          /call_method 'mul' \(node 'mul'\): mul needs quantized tensor inputs, got 1; kept in float/,
        ),
      ]),
    );
    const q = convert_fx(prepared, { warn: false });
    expect(q.graph.nodes.some((n) => String(n.target).endsWith('_scalar'))).toBe(false);
  });
});
