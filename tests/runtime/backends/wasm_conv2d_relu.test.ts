/**
 * conv2d_relu (nni.ConvReLU2d at inference): the wasm kernel equals conv2d followed by F.relu bit for bit on
 * every conv path (shifted planes, im2col + GEMM, depthwise), NaN and −0 included; nni.ConvReLU2d takes it
 * under no_grad on wasm and the two parts otherwise (a gradient, a part swapped, the js backend).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { no_grad } from '../../../runtime/autograd/grad_mode.js';
import { set_backend } from '../../../runtime/backends/registry.js';
import type { Conv2dGeometry } from '../../../runtime/backends/types.js';
import { make_wasm_conv2d, type WasmConvStrategy } from '../../../runtime/backends/wasm/fp32_conv.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { relu } from '../../../runtime/nn/functional/activation.js';
import { ConvReLU2d } from '../../../runtime/nn/intrinsic/fused.js';
import { ReLU } from '../../../runtime/nn/layers/activation.js';
import { Conv2d } from '../../../runtime/nn/layers/conv.js';
import { Tensor } from '../../../index.js';
import { conv_geometry_arb, first_diff, lcg, uniform_f32 } from './_arbitraries.js';

const wasm = load_wasm_backend();

/** The F.relu JS loop's reference: NaN stays NaN, everything not above 0 (−0, −inf) becomes +0. */
function relu_ref(y: Float32Array): Float32Array {
  return y.map((v) => (v > 0 || Number.isNaN(v) ? v : 0));
}

const geometry = conv_geometry_arb({
  groups: [1, 4],
  cig: [
    [1, 6],
    [240, 260],
  ],
  cog: [1, 6],
  kh: [1, 3],
  kw: [1, 3],
  stride: [1, 2],
  padding: [0, 2],
  dh: [1, 2],
  dw: [1, 2],
  extra_h: [0, 6],
  extra_w: [0, 9],
  depthwise: true,
});

function operands(g: Conv2dGeometry, seed: number, with_bias: boolean, specials: boolean) {
  const rnd = lcg(seed);
  const x = uniform_f32(g.batch * g.in_channels * g.in_h * g.in_w, rnd);
  // a NaN input reaches every output whose window covers it; a −0 bias with zero products gives −0
  if (specials && x.length > 3) x[Math.floor(rnd() * x.length)] = Number.NaN;
  const w = uniform_f32(g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w, rnd);
  if (specials) w.fill(0, 0, Math.floor(w.length / 2));
  const bias = with_bias ? uniform_f32(g.out_channels, rnd).map((v, i) => (specials && i === 0 ? -0 : v)) : null;
  return { x, w, bias };
}

describe('wasm conv2d_relu', () => {
  afterEach(() => set_backend('js'));

  for (const strategy of ['shifted', 'im2col', 'auto'] as WasmConvStrategy[]) {
    it(`equals conv2d then relu bit for bit (${strategy}, 150 random geometries incl. depthwise, NaN, −0)`, () => {
      const conv = make_wasm_conv2d(wasm.instance, strategy);
      const fused = make_wasm_conv2d(wasm.instance, strategy, true);
      fc.assert(
        fc.property(geometry, fc.integer({ min: 1, max: 2 ** 30 }), fc.boolean(), fc.boolean(), (g, seed, b, sp) => {
          const { x, w, bias } = operands(g, seed, b, sp);
          const want = relu_ref(conv(x, g, w, bias));
          const got = fused(x, g, w, bias);
          const diff = first_diff(new Int32Array(want.buffer), new Int32Array(got.buffer));
          if (diff) throw new Error(`${JSON.stringify(g)}: ${diff}`);
        }),
        { numRuns: 150, seed: 3 },
      );
    });
  }

  function module(seed: number): ConvReLU2d {
    const conv = new Conv2d(5, 7, 3, { padding: 1, stride: 2 });
    const rnd = lcg(seed);
    conv.weight.data.set(uniform_f32(conv.weight.numel(), rnd));
    (conv.bias as Tensor).data.set(uniform_f32(7, rnd));
    return new ConvReLU2d(conv, new ReLU()).eval();
  }
  const input = () => new Tensor(uniform_f32(2 * 5 * 11 * 9, lcg(9)), [2, 5, 11, 9], 'float32');

  it('nni.ConvReLU2d takes it under no_grad on wasm: one fused call, the parts’ bits', () => {
    const m = module(1);
    set_backend('wasm');
    const parts = no_grad(() => relu(m.at(0).call(input()) as Tensor));
    let calls = 0;
    const kernel = wasm.fp32.conv2d_relu as NonNullable<typeof wasm.fp32.conv2d_relu>;
    (wasm.fp32 as { conv2d_relu: typeof kernel }).conv2d_relu = (...a) => {
      calls++;
      return kernel(...a);
    };
    try {
      const y = no_grad(() => m.forward(input()));
      expect(calls).toBe(1);
      expect(y.shape).toEqual([2, 7, 6, 5]);
      expect(first_diff(y.data, parts.data)).toBeNull();
      // a gradient: the parts, with their backward
      const x = input();
      x.requires_grad = true;
      const z = m.forward(x);
      expect(calls).toBe(1);
      z.sum().backward();
      expect(x.grad?.shape).toEqual([2, 5, 11, 9]);
      // a part replaced by a subclass (a tool wrapping it): the parts
      class Logged extends ReLU {}
      (m as unknown as Record<string, unknown>)['1'] = new Logged();
      no_grad(() => m.forward(input()));
      expect(calls).toBe(1);
    } finally {
      (wasm.fp32 as { conv2d_relu: typeof kernel }).conv2d_relu = kernel;
    }
  });
});
