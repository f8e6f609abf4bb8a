/**
 * Rows of `npm run bench -- kernels`: the transformer int8 kernels on FmnistViT's shapes at batch 32 (D 64,
 * 4 heads of 16, 50 tokens, MLP 128), js reference vs wasm, ms per call (best of interleaved rounds).
 */
import { performance } from 'node:perf_hooks';
import { js_backend } from '../runtime/backends/js/index.js';
import { qadd_float_params, torch_add_loop } from '../runtime/backends/js/int8/add_float.js';
import { softmax_int_params } from '../runtime/backends/js/int8/softmax_int.js';
import type { Backend } from '../runtime/backends/types.js';
import { gelu_lut } from '../runtime/quantized/functional/float_islands.js';
import { print_table } from './_util.js';

const B = 32;
const H = 4;
const T = 50;
const D = 64;
const HD = 16;

function bytes(n: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 100 + (s >>> 27);
  });
}

function best_ms(f: () => unknown, rounds: number, round_ms: number): number {
  f();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const end = performance.now() + round_ms;
    do {
      const t0 = performance.now();
      f();
      best = Math.min(best, performance.now() - t0);
    } while (performance.now() < end);
  }
  return best;
}

const out = (scale: number, zero_point: number) => ({ scale, zero_point, qmin: 0, qmax: 255 });

const CASES: [string, (be: Backend) => () => unknown][] = [
  [
    `matmul q·kᵀ [${B}·${H}, ${T}, ${HD}]·[${HD}, ${T}]`,
    (be) => {
      const a = { data: bytes(B * H * T * HD, 1), scale: 0.034, zero_point: 142 };
      const b = { data: bytes(B * H * HD * T, 2), scale: 0.028, zero_point: 145 };
      return () => be.int8.qmatmul(a, b, { batch: B * H, m: T, k: HD, n: T }, out(0.26, 120));
    },
  ],
  [
    `matmul attn·v [${B}·${H}, ${T}, ${T}]·[${T}, ${HD}]`,
    (be) => {
      const a = { data: bytes(B * H * T * T, 3), scale: 0.0035, zero_point: 0 };
      const b = { data: bytes(B * H * T * HD, 4), scale: 0.016, zero_point: 125 };
      return () => be.int8.qmatmul(a, b, { batch: B * H, m: T, k: T, n: HD }, out(0.0091, 145));
    },
  ],
  [
    `softmax island ${B}·${H}·${T} rows of ${T}`,
    (be) => {
      const x = { data: bytes(B * H * T * T, 5), scale: 0.065, zero_point: 120 };
      return () => be.int8.qsoftmax(x, B * H * T, T, out(0.0035, 0));
    },
  ],
  [
    `softmax_int (opt-in) ${B}·${H}·${T} rows of ${T}`,
    (be) => {
      const x = bytes(B * H * T * T, 5);
      const p = softmax_int_params(0.065, 0.0035, 0);
      return () => be.int8.qsoftmax_int(x, B * H * T, T, p);
    },
  ],
  [
    `layer_norm ${B}·${T} rows of ${D}`,
    (be) => {
      const x = { data: bytes(B * T * D, 6), scale: 0.02, zero_point: 113 };
      const w = Float32Array.from({ length: D }, (_, i) => 0.5 + i / D);
      const p = { rows: B * T, n: D, weight: w, bias: w, eps: 1e-5 };
      return () => be.int8.qlayer_norm(x, p, out(0.0316, 123));
    },
  ],
  [
    `add pos_embed [${B}, ${T}, ${D}] + [1, ${T}, ${D}]`,
    (be) => {
      const a = bytes(B * T * D, 7);
      const b = bytes(T * D, 8);
      const loop = torch_add_loop([B, T, D], [1, T, D], [B, T, D]);
      const p = qadd_float_params(0.0188, 111, 0.0045, 137, 0.0203, 113, false, loop);
      return () => be.int8.qadd_float(a, b, p);
    },
  ],
  [
    `gelu island (qlut) [${B}, ${T}, 128]`,
    (be) => {
      const x = bytes(B * T * 128, 9);
      const lut = gelu_lut({ scale: 0.0201, zero_point: 128 }, { scale: 0.011, zero_point: 10 });
      return () => be.int8.qlut(x, lut);
    },
  ],
];

/** Prints the table (skip_js: wasm only). */
export function transformer_table(
  wasm: Backend,
  rounds: number,
  round_ms: number,
  skip_js: boolean,
  only?: string,
): void {
  const rows: string[][] = [];
  for (const [name, make] of CASES) {
    if (only && !name.includes(only)) continue;
    const w = best_ms(make(wasm), rounds, round_ms);
    const j = skip_js ? Number.NaN : best_ms(make(js_backend), rounds, round_ms);
    const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
    rows.push([name, f(j), f(w), Number.isFinite(j) ? `${(j / w).toFixed(1)}×` : '—']);
  }
  if (rows.length === 0) return;
  console.log('\nint8 transformer kernels, FmnistViT shapes at batch 32 (ms per call, best of the rounds):\n');
  print_table(['op', 'js ms', 'wasm ms', 'js/wasm'], rows);
}
