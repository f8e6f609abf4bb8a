/** The wasm backend's loader, memory manager and error reporting (numerics are in conformance.test.ts). */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { js_backend } from '../../../runtime/backends/js/index.js';
import { get_backend } from '../../../runtime/backends/registry.js';
import type { QOutput, QWeightSource } from '../../../runtime/backends/types.js';
import { WasmHeap } from '../../../runtime/backends/wasm/heap.js';
import { init_wasm, load_wasm_backend, relaxed_simd_supported } from '../../../runtime/backends/wasm/index.js';
import {
  instantiate,
  load_module_async,
  load_module_sync,
  pick_variant,
} from '../../../runtime/backends/wasm/module.js';

const wasm = load_wasm_backend();

function weight(n: number, k: number): QWeightSource {
  return {
    data: Int8Array.from({ length: n * k }, (_, i) => ((i * 37) % 255) - 127),
    n,
    k,
    scales: Float32Array.of(0.01),
    zero_points: Int32Array.of(0),
    bias: Float32Array.from({ length: n }, (_, i) => i / 10),
  };
}
const out: QOutput = { scale: 0.1, zero_point: 128, qmin: 0, qmax: 255 };

describe('loading', () => {
  it('registers as backend "wasm" and is reused by later loads', () => {
    expect(get_backend('wasm')).toBe(wasm);
    expect(load_wasm_backend()).toBe(wasm);
    expect(wasm.name).toBe('wasm');
    expect(wasm.int8.name).toBe('wasm');
    expect(wasm.fp32.name).toBe('wasm');
  });

  it('picks baseline SIMD unless relaxed SIMD validates', () => {
    expect(typeof relaxed_simd_supported()).toBe('boolean');
    expect(pick_variant()).toBe(relaxed_simd_supported() ? 'relaxed' : 'simd');
    expect(pick_variant('simd')).toBe('simd');
    expect(wasm.instance.variant).toBe(pick_variant());
  });

  it('a missing build is an error that names the fix', () => {
    const url = new URL('./no-such-build.wasm', import.meta.url);
    expect(() => load_module_sync('simd', url)).toThrow(/no-such-build\.wasm.*npm run build:wasm/);
  });

  it('a broken build is an error that names the fix', async () => {
    await expect(load_module_async('simd', new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]))).rejects.toThrow(
      /npm run build:wasm/,
    );
  });

  it('a stale build (missing kernels) is an error that names the fix', () => {
    const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    expect(() => instantiate(empty, 'simd')).toThrow(
      /simd\.wasm lacks heap_base, qgemm.*stale build.*npm run build:wasm/,
    );
  });

  it('init_wasm (async path) returns a working backend', async () => {
    const b = await init_wasm({ fresh: true, variant: 'simd' });
    expect(b.instance).not.toBe(wasm.instance);
    const w = weight(3, 5);
    const x = { data: Uint8Array.of(1, 2, 3, 4, 5), scale: 0.5, zero_point: 3 };
    expect(b.int8.qlinear(x, 1, b.int8.pack_qweight(w), out)).toEqual(
      js_backend.int8.qlinear(x, 1, js_backend.int8.pack_qweight(w), out),
    );
    load_wasm_backend({ fresh: true }); // re-register a sync instance for the other tests in this worker
  });
});

describe('relaxed SIMD build', () => {
  it('loads where the engine supports it and matches js (int8 exactly, fp32 within 1e-4)', () => {
    // Node 20 needs a flag for relaxed SIMD, so this runs in a child process
    const mod = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
    const script = `
      import { load_wasm_backend } from ${mod('../../../runtime/backends/wasm/index.ts')};
      import { js_backend as js } from ${mod('../../../runtime/backends/js/index.ts')};
      const b = load_wasm_backend();
      let s = 5; const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
      const m = 37, n = 29, k = 300;
      const A = Float32Array.from({ length: m * k }, r), B = Float32Array.from({ length: k * n }, r);
      const c1 = new Float32Array(m * n), c2 = new Float32Array(m * n);
      js.fp32.sgemm(m, n, k, A, B, c1, { trans_b: true }); b.fp32.sgemm(m, n, k, A, B, c2, { trans_b: true });
      let err = 0; for (let i = 0; i < c1.length; i++) err = Math.max(err, Math.abs(c1[i] - c2[i]));
      const w = { data: Int8Array.from({ length: n * k }, () => Math.round(r() * 127)), n, k, scales: Float32Array.of(0.01), zero_points: Int32Array.of(1), bias: null };
      const x = { data: Uint8Array.from({ length: m * k }, () => Math.round((r() + 1) * 127)), scale: 0.02, zero_point: 128 };
      const out = { scale: 0.3, zero_point: 120, qmin: 0, qmax: 255 };
      const a = js.int8.qlinear(x, m, js.int8.pack_qweight(w), out), q = b.int8.qlinear(x, m, b.int8.pack_qweight(w), out);
      console.log(JSON.stringify({ variant: b.instance.variant, err, same: a.every((v, i) => v === q[i]) }));`;
    const res = execFileSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        encoding: 'utf8',
      },
    );
    const r = JSON.parse(res.trim().split('\n').pop() ?? '{}') as { variant: string; err: number; same: boolean };
    expect(r.variant).toBe('relaxed');
    expect(r.same).toBe(true);
    expect(r.err).toBeLessThan(1e-3);
  });
});

describe('memory', () => {
  it('steady-state calls do not grow memory; a bigger call grows it once', () => {
    const b = load_wasm_backend();
    const pw = b.int8.pack_qweight(weight(64, 300));
    const x = { data: new Uint8Array(8 * 300).fill(7), scale: 0.02, zero_point: 5 };
    b.int8.qlinear(x, 8, pw, out);
    const size = b.instance.heap.byte_length;
    for (let i = 0; i < 20; i++) b.int8.qlinear(x, 8, pw, out);
    expect(b.instance.heap.byte_length).toBe(size);
    const big = { data: new Uint8Array(400 * 300).fill(7), scale: 0.02, zero_point: 5 };
    b.int8.qlinear(big, 400, pw, out);
    const grown = b.instance.heap.byte_length;
    expect(grown).toBeGreaterThan(size);
    b.int8.qlinear(big, 400, pw, out);
    b.int8.qlinear(x, 8, pw, out);
    expect(b.instance.heap.byte_length).toBe(grown);
  });

  it('heap: first fit, coalescing frees, reuse before growth', () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const h = new WasmHeap(mem, 100);
    const a = h.alloc(10);
    const b = h.alloc(1000);
    const c = h.alloc(20);
    expect(a % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 16);
    expect(c).toBeGreaterThanOrEqual(b + 1000);
    h.free(a, 10);
    h.free(b, 1000);
    // a and b coalesced: a 1000-byte block fits where they were
    expect(h.alloc(1010)).toBe(a);
    h.free(c, 20);
    expect(mem.buffer.byteLength).toBe(65536);
    const big = h.alloc(200_000);
    expect(mem.buffer.byteLength).toBeGreaterThanOrEqual(big + 200_000);
    h.begin(100);
    const s1 = h.take(40);
    const s2 = h.take(40);
    expect(s2 - s1).toBe(48);
    expect(() => h.take(1000)).toThrow(/scratch overflow/);
  });
});

describe('errors name the op and what was wrong', () => {
  it('rejects weights packed by another backend', () => {
    const pj = js_backend.int8.pack_qweight(weight(2, 3));
    expect(() => wasm.int8.qlinear({ data: new Uint8Array(3), scale: 1, zero_point: 0 }, 1, pj, out)).toThrow(
      /wasm\.qlinear.*packed by backend 'js'/,
    );
  });

  it('rejects bad shapes and qparams', () => {
    const pw = wasm.int8.pack_qweight(weight(4, 6));
    expect(() => wasm.int8.qlinear({ data: new Uint8Array(5), scale: 1, zero_point: 0 }, 1, pw, out)).toThrow(
      /wasm\.qlinear: x has 5 elements, expected m·k = 1·6/,
    );
    expect(() => wasm.int8.qlinear({ data: new Uint8Array(6), scale: 1, zero_point: 300 }, 1, pw, out)).toThrow(
      /zero point 300/,
    );
    expect(() =>
      wasm.int8.qlinear({ data: new Uint8Array(6), scale: 1, zero_point: 0 }, 1, pw, { ...out, qmin: 9, qmax: 3 }),
    ).toThrow(/clamp/);
    expect(() => wasm.int8.pack_qweight({ ...weight(2, 3), k: 4 })).toThrow(
      /wasm\.pack_qweight: weight has 6 elements/,
    );
    expect(() => wasm.int8.pack_qweight({ ...weight(1, 40000) })).toThrow(/int32 accumulator/);
    const g = {
      batch: 1,
      in_channels: 2,
      in_h: 4,
      in_w: 4,
      out_channels: 4,
      kernel_h: 3,
      kernel_w: 2,
      stride: [1, 1] as [number, number],
      padding: [0, 0] as [number, number],
      dilation: [1, 1] as [number, number],
      groups: 1,
    };
    expect(() => wasm.int8.qconv2d({ data: new Uint8Array(32), scale: 1, zero_point: 0 }, g, pw, out)).toThrow(
      /wasm\.qconv2d: packed weight is \[4, 6\]/,
    );
    expect(() =>
      wasm.int8.qconv2d(
        { data: new Uint8Array(32), scale: 1, zero_point: 0 },
        { ...g, in_channels: 3, groups: 2 },
        pw,
        out,
      ),
    ).toThrow(/groups 2 must divide in_channels 3/);
    expect(() =>
      wasm.int8.qconv2d({ data: new Uint8Array(32), scale: 1, zero_point: 0 }, { ...g, in_h: 1 }, pw, out),
    ).toThrow(/too small/);
    expect(() => wasm.fp32.sgemm(2, 2, 2, new Float32Array(3), new Float32Array(4), new Float32Array(4))).toThrow(
      /wasm\.sgemm: A has 3 elements/,
    );
    expect(() => wasm.fp32.conv2d(new Float32Array(32), g, new Float32Array(5), null)).toThrow(
      /wasm\.conv2d: weight has 5 elements/,
    );
  });

  it('writes into a caller buffer of the right size and rejects a wrong one', () => {
    const pw = wasm.int8.pack_qweight(weight(4, 6));
    const x = { data: new Uint8Array(12).fill(9), scale: 0.1, zero_point: 2 };
    const y = new Uint8Array(8);
    expect(wasm.int8.qlinear(x, 2, pw, out, y)).toBe(y);
    expect(() => wasm.int8.qlinear(x, 2, pw, out, new Uint8Array(7))).toThrow(/output buffer has 7 elements/);
    expect(() => wasm.int8.qlinear_acc(x.data, 2, 2, pw, new Int32Array(9))).toThrow(/acc buffer has 9 elements/);
  });
});

describe('peak loops (used by bench/kernels.ts)', () => {
  it('compute what they claim', () => {
    const e = wasm.instance.exports;
    // seed 3: x = 3,4,5,6 and b = 3, one iteration: lanes hold 2·(products), the sum is checked on lanes 0 and 3
    const per_lane = 2 * (3 * 3 + 4 * 3 + 5 * 3 + 6 * 3 + 3 * 4 + 4 * 5 + 5 * 6 + 6 * 3);
    expect(e.peak_dot_i16(1, 3)).toBe(2 * per_lane);
    expect(e.peak_dot_i16(10, 3)).toBe(20 * per_lane);
    expect(e.peak_f32(2, 2)).toBeCloseTo(2 * (2 * 1 + 3 * 1 + 2 * 3 + 9 + 4 + 1 + 3 + 2), 4);
  });
});
