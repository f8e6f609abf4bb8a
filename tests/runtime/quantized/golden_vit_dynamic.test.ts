/**
 * FmnistViT under dynamic quantization (PyTorch 1.13: quantize_dynamic(model, {nn.Linear}, qint8) and FX with
 * default_dynamic_qconfig for nn.Linear, qnnpack; golden copied by scripts/make_vit_dynamic_fixture.ts):
 * PyTorch's int8 weights exactly, eager ≡ FX, the dynamic Linear on [batch, tokens, features] bit-identical on
 * js and wasm, PyTorch's dynamic logits — bit for bit on js and wasm under set_fp32_numerics('pytorch_x86_zen5'),
 * the float order of the reference machine, with every Linear's image-0 input and output equal too — and a
 * save → load round trip of both forms.
 */
import { describe, expect, it } from 'vitest';
import create, { type FmnistViT, load_weights } from '../../../examples/models/fmnist_vit.js';
import {
  fx,
  get_backend,
  load_quantized,
  load_wasm_backend,
  nn,
  no_grad,
  quantization as Q,
  serialize_quantized,
  set_backend,
  type Tensor,
  with_fp32_numerics,
} from '../../../index.js';
import { load_golden } from './golden_helpers.js';

const golden = load_golden('fmnist_vit_dynamic');
const x = golden.t['input/x_fp32'];
const want = golden.t['int8/logits_dynamic'].data;
const weights = golden.json.weights as unknown as Record<string, { scale: number; zero_point: number }>;
const LINEARS = Object.keys(weights);

const float_model = load_weights(create()).eval();
const eager = Q.quantize_dynamic(float_model, new Set([nn.Linear]), 'qint8') as FmnistViT;
const fx_dynamic = Q.convert_fx(
  Q.prepare_fx(float_model, new Q.QConfigMapping().set_object_type(nn.Linear, Q.default_dynamic_qconfig), [x]),
);
load_wasm_backend();

type Dyn = nn.quantized.dynamic.Linear;

function on<T>(backend: 'js' | 'wasm', fn: () => T): T {
  const prev = get_backend().name;
  set_backend(backend);
  try {
    return no_grad(fn);
  } finally {
    set_backend(prev);
  }
}

const logits = (m: nn.Module, backend: 'js' | 'wasm') => on(backend, () => (m.call(x) as Tensor).data as Float32Array);

/** Runs `run` with each module's forward reporting (name, input, output) to `watch`; restores the forwards after. */
function run_watching<R>(
  mods: readonly (readonly [string, Dyn])[],
  watch: (name: string, input: Tensor, output: Tensor) => void,
  run: () => R,
): R {
  const saved = mods.map(([n, m]) => {
    const f = m.forward;
    m.forward = (t: Tensor) => {
      const y = f.call(m, t);
      watch(n, t, y);
      return y;
    };
    return f;
  });
  try {
    return run();
  } finally {
    mods.forEach(([, m], i) => {
      m.forward = saved[i];
    });
  }
}

function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n + Math.abs(a.length - b.length);
}

describe('golden: FmnistViT dynamic quantization (Linear → qint8)', () => {
  it('swaps all 17 Linears; every int8 weight, scale and zero point equals PyTorch’s (eager and FX)', () => {
    expect(LINEARS).toHaveLength(17);
    for (const name of LINEARS) {
      for (const m of [eager, fx_dynamic]) {
        const q = m.get_submodule(name) as Dyn;
        expect(q, name).toBeInstanceOf(nn.quantized.dynamic.Linear);
        const w = q.weight();
        expect(mismatches(w.data, golden.t[`${name}/weight_int8`].data), name).toBe(0);
        const qz = w.quantizer;
        expect(qz?.kind === 'per_tensor' && qz.scale, name).toBe(Math.fround(weights[name].scale));
        expect(qz?.kind === 'per_tensor' && qz.zero_point, name).toBe(0);
        expect(mismatches(q.bias()?.data ?? [], golden.t[`${name}/bias_fp32`].data), name).toBe(0);
      }
    }
  });

  it('the dynamic Linear is bit-identical on js and wasm on every Linear’s real [8, 50, k] activations', () => {
    const inputs = new Map<string, Tensor>();
    const mods = LINEARS.map((n) => [n, eager.get_submodule(n) as Dyn] as const);
    run_watching(
      mods,
      (n, t) => inputs.set(n, t),
      () => logits(eager, 'wasm'),
    );
    for (const [name, m] of mods) {
      const t = inputs.get(name) as Tensor;
      expect(t.shape[t.ndim - 1]).toBe(m.in_features);
      if (name !== 'head') expect(t.shape).toEqual([8, 50, m.in_features]);
      const a = on('js', () => m.forward(t).data);
      const b = on('wasm', () => m.forward(t).data);
      expect(mismatches(a, b), name).toBe(0);
    }
  });

  it('eager and FX give identical logits on each backend (as PyTorch’s two forms do)', () => {
    for (const be of ['js', 'wasm'] as const) expect(mismatches(logits(fx_dynamic, be), logits(eager, be)), be).toBe(0);
  });

  it('reproduces PyTorch’s dynamic logits on the golden batch', () => {
    // wasm: bit for bit. js: its fp32 kernels (conv, the attention matmuls) sum in another order, and a last-bit
    // change of a Linear's float input can move its per-call min/max and so its scale: close, same classes.
    expect(mismatches(logits(eager, 'wasm'), want)).toBe(0);
    const js = logits(eager, 'js');
    let max = 0;
    for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(js[i] - want[i]));
    expect(max).toBeLessThan(0.1);
    const argmax = (d: ArrayLike<number>) =>
      Array.from({ length: 8 }, (_, r) => {
        let best = 0;
        for (let c = 1; c < 10; c++) if (d[r * 10 + c] > d[r * 10 + best]) best = c;
        return best;
      });
    expect(argmax(js)).toEqual(argmax(want));
  });

  it('block 0’s Linears and the head reproduce PyTorch’s outputs for image 0 on wasm', () => {
    const outs = new Map<string, Tensor>();
    const names = ['blocks.0.qkv', 'head'];
    run_watching(
      names.map((n) => [n, eager.get_submodule(n) as Dyn] as const),
      (n, _, y) => outs.set(n, y),
      () => logits(eager, 'wasm'),
    );
    for (const n of names) {
      const ref = golden.t[`${n}/out_fp32_img0`].data;
      expect(mismatches((outs.get(n) as Tensor).data.subarray(0, ref.length), ref), n).toBe(0);
    }
  });

  it('under pytorch_x86_zen5 numerics: logits and all 17 Linears’ image-0 inputs and outputs equal PyTorch’s on js and wasm', () => {
    for (const be of ['js', 'wasm'] as const) {
      const io = new Map<string, [Tensor, Tensor]>();
      const y = run_watching(
        LINEARS.map((n) => [n, eager.get_submodule(n) as Dyn] as const),
        (n, t, out) => io.set(n, [t, out]),
        () => with_fp32_numerics('pytorch_x86_zen5', () => logits(eager, be)),
      );
      expect(mismatches(y, want), `${be} logits`).toBe(0);
      for (const n of LINEARS) {
        const [t, out] = io.get(n) as [Tensor, Tensor];
        for (const [got, key] of [
          [t, 'in'],
          [out, 'out'],
        ] as const) {
          const ref = golden.t[`${n}/${key}_fp32_img0`].data;
          expect(mismatches(got.data.subarray(0, ref.length), ref), `${be} ${n} ${key}`).toBe(0);
        }
      }
      expect(
        mismatches(
          with_fp32_numerics('pytorch_x86_zen5', () => logits(fx_dynamic, be)),
          want,
        ),
        `${be} FX`,
      ).toBe(0);
    }
  });

  it('save → load round trip (FX model, and the eager model through symbolic_trace): same logits, ⅓ of fp32', () => {
    const fp32_bytes = Object.values(float_model.state_dict()).reduce((n, t) => n + 4 * t.numel(), 0);
    for (const [label, gm] of [
      ['fx', fx_dynamic],
      ['eager', fx.symbolic_trace(eager)],
    ] as const) {
      const bytes = serialize_quantized(gm);
      expect(bytes.length / fp32_bytes, label).toBeLessThan(0.36);
      const back = load_quantized(bytes);
      expect(back.get_submodule('blocks.2.fc1'), label).toBeInstanceOf(nn.quantized.dynamic.Linear);
      for (const be of ['js', 'wasm'] as const)
        expect(mismatches(logits(back, be), logits(eager, be)), `${label} ${be}`).toBe(0);
    }
  });
});
