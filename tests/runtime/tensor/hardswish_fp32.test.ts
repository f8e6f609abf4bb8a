/**
 * Hardswish under set_fp32_numerics('pytorch_x86'): ATen's CPU kernel computes x * min(max(x + 3, 0), 6) / 6 in
 * float32 (aten/src/ATen/native/cpu/Activation.cpp, hardswish_kernel, scalar and Vectorized lambdas alike), so each
 * of x + 3, the clamp, × x and / 6 is rounded to float32. In 'fast' mode fxq keeps float64 and rounds once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Node } from '../../../compiler/ir/node.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { set_fp32_numerics, with_fp32_numerics } from '../../../runtime/backends/fp32_numerics.js';
import * as F from '../../../runtime/nn/functional/index.js';
import { Hardswish } from '../../../runtime/nn/layers/activation.js';
import { Module } from '../../../runtime/nn/module.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { tensor } from '../../../runtime/tensor/creation.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';

afterEach(() => set_fp32_numerics('fast'));

const bits = (v: number) => new Uint32Array(new Float32Array([v]).buffer)[0];
const from_bits = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0];

// float32 inputs (by bit pattern) where rounding each step differs from rounding once, with the float32 result
// of each step rounding to float32: t = fl(x + 3), p = fl(x · t), y = fl(p / 6); "once" is fl(x · clamp(x + 3) / 6).
const CASES: [x: number, stepwise: number, once: number][] = [
  [0x3ec23330, 0x3e5ac0cb, 0x3e5ac0ca], // 0.3792968
  [0xbee3895c, 0xbe41d48b, 0xbe41d48c], // -0.4444073
  [0x3fce9e69, 0x3f9ee5a5, 0x3f9ee5a6], // 1.6142093
  [0xbffea8df, 0xbeab8d07, 0xbeab8d06], // -1.9895285
];
const xs = CASES.map(([x]) => from_bits(x));

/** Independent float32 reference: each step stored through a Float32Array. */
function aten_f32(x: number): number {
  const r = new Float32Array(1);
  r[0] = x + 3;
  r[0] = Math.min(Math.max(r[0], 0), 6);
  r[0] = x * r[0];
  r[0] = r[0] / 6;
  return r[0];
}

describe('hardswish float32 step by step (pytorch_x86)', () => {
  it('F.hardswish rounds each step to float32, as ATen', () => {
    const y = with_fp32_numerics('pytorch_x86', () => F.hardswish(tensor(xs)));
    expect([...y.data].map(bits)).toEqual(CASES.map(([, s]) => s));
    expect([...y.data]).toEqual(xs.map(aten_f32));
  });

  it("'fast' mode keeps float64 and rounds once", () => {
    const y = F.hardswish(tensor(xs));
    expect([...y.data].map(bits)).toEqual(CASES.map(([, , o]) => o));
  });

  it('nn.Hardswish agrees with ATen on a sweep of [-4, 4], including the saturated ends', () => {
    const sweep = Array.from({ length: 4001 }, (_, i) => Math.fround(-4 + i * 0.002 + 1e-7 * (i % 7)));
    const y = with_fp32_numerics('pytorch_x86', () => new Hardswish().forward(tensor(sweep)));
    expect([...y.data]).toEqual(sweep.map(aten_f32));
  });

  it('the observer after a Hardswish sees the stepwise bits when calibrated under pytorch_x86', () => {
    class M extends Module {
      hs = new Hardswish();
      forward(x: Tensor): Tensor {
        return this.hs.forward(x);
      }
    }
    const p = prepare_fx(new M().eval(), { '': get_default_qconfig('qnnpack') }, [tensor(xs)]);
    with_fp32_numerics('pytorch_x86', () => p.forward(tensor(xs)));
    const obs_node = p.graph.nodes.find(
      (n) => n.op === 'call_module' && (n.args[0] as Node | undefined)?.target === 'hs',
    );
    expect(obs_node).toBeDefined();
    const obs = p.get_submodule(obs_node?.target ?? '') as Module & { max_val: Tensor; min_val: Tensor };
    // max over the cases is at x = 1.6142093 (0x3f9ee5a5 stepwise, 0x3f9ee5a6 rounded once)
    expect(bits(obs.max_val.data[0])).toBe(0x3f9ee5a5);
    expect(bits(obs.min_val.data[0])).toBe(0xbeab8d07);
  });
});
