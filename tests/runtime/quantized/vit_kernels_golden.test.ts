/**
 * The transformer int8 kernels against PyTorch 1.13's own per-node outputs (FmnistViT static PTQ, image 0;
 * fixture from scripts/extract_vit_kernel_fixture.ts): each recorded node input goes through the fxq op
 * (quantized.matmul, quantized.add with and without broadcasting, mul_scalar, quantized.layer_norm, the
 * softmax and GELU float islands) on the js and the wasm backend, and must give PyTorch's bytes exactly.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aten_gelu_scalar_f32 } from '../../../runtime/backends/js/fp32/aten_vec_math.js';
import { onednn_gelu_erf_f32 } from '../../../runtime/backends/js/fp32/pytorch_x86_zen5.js';
import { js_backend } from '../../../runtime/backends/js/index.js';
import { rne } from '../../../runtime/backends/js/int8/numerics.js';
import { qnnpack_softargmax_table } from '../../../runtime/backends/js/int8/softargmax.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { load_safetensors_with_metadata } from '../../../runtime/io/node/safetensors_file.js';
import * as q from '../../../runtime/quantized/functional/index.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { QUANTIZED_FIXTURES } from './golden_helpers.js';

interface Ref {
  name: string;
  shape: number[];
  scale: number;
  zero_point: number;
}
interface Case {
  kind: 'matmul' | 'add' | 'mul_scalar' | 'layer_norm' | 'softmax' | 'gelu';
  a: Ref;
  b?: Ref;
  out: Ref;
  scalar?: number;
  module?: string;
  eps?: number;
}

const { tensors, metadata } = load_safetensors_with_metadata(
  join(QUANTIZED_FIXTURES, 'fmnist_vit_kernels.safetensors'),
);
const cases = JSON.parse(metadata?.cases ?? '[]') as Case[];
load_wasm_backend();
const initial = get_backend().name;
afterAll(() => set_backend(initial));

const qt = (r: Ref): Tensor =>
  make_qtensor(tensors[r.name].data as Uint8Array, r.shape, 'quint8', r.scale, r.zero_point);

function run(c: Case): Tensor {
  const { scale, zero_point } = c.out;
  switch (c.kind) {
    case 'matmul':
      return q.matmul(qt(c.a), qt(c.b as Ref), scale, zero_point);
    case 'add':
      return q.add(qt(c.a), qt(c.b as Ref), scale, zero_point);
    case 'mul_scalar':
      return q.mul_scalar(qt(c.a), c.scalar as number);
    case 'layer_norm': {
      const w = tensors[`${c.module}/ln_weight_fp32`];
      const b = tensors[`${c.module}/ln_bias_fp32`];
      return q.layer_norm(qt(c.a), [w.shape[0]], w, b, c.eps as number, scale, zero_point);
    }
    case 'softmax':
      return q.softmax_island(qt(c.a), -1, scale, zero_point);
    case 'gelu':
      return q.gelu_island(qt(c.a), scale, zero_point);
  }
}

describe('FmnistViT transformer kernels reproduce PyTorch 1.13 bit for bit (image 0 of the golden)', () => {
  it('has every node kind', () => {
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['add', 'gelu', 'layer_norm', 'matmul', 'mul_scalar', 'softmax']);
  });
  for (const backend of ['js', 'wasm'] as const) {
    for (const c of cases) {
      it(`${backend}: ${c.kind} ${c.out.name} [${c.out.shape.join(', ')}]`, () => {
        set_backend(backend);
        const y = run(c);
        set_backend('js');
        expect(y.shape).toEqual(c.out.shape);
        expect(y.q_scale()).toBe(Math.fround(c.out.scale));
        expect(y.q_zero_point()).toBe(c.out.zero_point);
        const want = tensors[c.out.name].data as Uint8Array;
        const got = y.data as Uint8Array;
        let bad = 0;
        for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) bad++;
        expect(bad).toBe(0);
      });
    }
  }
});

describe('the opt-in integer softmax (quantized.softmax_int) against PyTorch’s float softmax island', () => {
  it('on the golden softmax inputs: ≥ 99.9% of the bytes equal, none more than one step off (js and wasm alike)', () => {
    let total = 0;
    let equal = 0;
    let worst = 0;
    for (const c of cases.filter((k) => k.kind === 'softmax')) {
      set_backend('js');
      const a = q.softmax_int(qt(c.a), -1, c.out.scale, c.out.zero_point).data as Uint8Array;
      set_backend('wasm');
      const b = q.softmax_int(qt(c.a), -1, c.out.scale, c.out.zero_point).data as Uint8Array;
      set_backend('js');
      const want = tensors[c.out.name].data as Uint8Array;
      expect(b.every((v, i) => v === a[i])).toBe(true);
      for (let i = 0; i < want.length; i++) {
        total++;
        if (a[i] === want[i]) equal++;
        worst = Math.max(worst, Math.abs(a[i] - want[i]));
      }
    }
    expect(total).toBe(40000);
    expect(equal / total).toBeGreaterThanOrEqual(0.999);
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('the GELU island is F.gelu as PyTorch 1.13 runs it', () => {
  it("oneDNN's gelu_erf on every element of a longer tensor, ATen's scalar lambda for a single element", () => {
    const inp = { scale: 0.0201, zero_point: 128 };
    const out = { scale: 0.011, zero_point: 10 };
    const quant = (v: number) =>
      Math.min(255, Math.max(0, out.zero_point + rne(Math.fround(v * Math.fround(1 / Math.fround(out.scale))))));
    const x = (b: number) => Math.fround((b - inp.zero_point) * Math.fround(inp.scale));
    const data = Uint8Array.from({ length: 70 }, (_, i) => (i * 37) % 256);
    const y = q.gelu_island(make_qtensor(data, [70], 'quint8', inp.scale, inp.zero_point), out.scale, out.zero_point);
    expect([...y.data]).toEqual([...data].map((b) => quant(onednn_gelu_erf_f32(x(b)))));
    for (const b of [0, 77, 128, 200, 255]) {
      const one = q.gelu_island(make_qtensor(Uint8Array.of(b), [1], 'quint8', inp.scale, inp.zero_point), 0.011, 10);
      expect(one.data[0]).toBe(quant(aten_gelu_scalar_f32(x(b))));
    }
    // the two float32 forms differ on most levels (rarely after quantizing)
    let differ = 0;
    for (let b = 0; b < 256; b++) if (onednn_gelu_erf_f32(x(b)) !== aten_gelu_scalar_f32(x(b))) differ++;
    expect(differ).toBeGreaterThan(50);
  });
});

describe('quantized.softmax is torch.ops.quantized.softmax (qnnpack engine)', () => {
  it("takes qnnpack's table softargmax at output (2^-8, 0) and the float island otherwise", () => {
    const c = cases.find((k) => k.kind === 'softmax') as Case;
    const x = qt(c.a);
    const [rows, n] = [x.numel() / x.shape[x.ndim - 1], x.shape[x.ndim - 1]];
    const table = qnnpack_softargmax_table(n, c.a.scale);
    const want = js_backend.int8.qsoftargmax(x.data as Uint8Array, rows, n, table);
    expect([...q.softmax(x, -1, 2 ** -8, 0).data]).toEqual([...want]);
    expect([...q.softmax(x, -1, c.out.scale, c.out.zero_point).data]).toEqual([
      ...q.softmax_island(x, -1, c.out.scale, c.out.zero_point).data,
    ]);
    // on these inputs qnnpack's integers agree with the float island at (2^-8, 0) on every byte
    expect([...q.softmax_island(x, -1, 2 ** -8, 0).data]).toEqual([...want]);
  });
});
