/**
 * What the nn-more quantized module tests (conv1d, conv_transpose, upsample) share: the wasm backend and a temp
 * dir for saved models, random int8 weights / bias / inputs drawn in one fixed order from an lcg, and the
 * save → load and js = wasm checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { load_quantized, save_quantized } from '../../../compiler/artifact/node/index.js';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../../runtime/backends/wasm/index.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';

/** Loads the wasm backend and makes a temp dir; afterAll restores the backend and removes the dir. */
export function wasm_and_tmpdir(): string {
  load_wasm_backend();
  const previous = get_backend().name;
  const dir = mkdtempSync(join(tmpdir(), 'fxq-nn-more-'));
  afterAll(() => {
    set_backend(previous);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A random qint8 weight of `shape`, per tensor (per_channel null) or per channel ({channels, axis}). */
export function random_qweight(
  rnd: () => number,
  shape: number[],
  per_channel: { channels: number; axis: number } | null,
) {
  const wq = Int8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(rnd() * 256) - 128);
  const w = new Tensor(wq, shape, 'qint8');
  const scales = Float64Array.from({ length: per_channel?.channels ?? 1 }, () => Math.fround(0.002 + rnd() * 0.05));
  const zps = Int32Array.from({ length: scales.length }, () => Math.floor(rnd() * 21) - 10);
  w.quantizer = per_channel
    ? { kind: 'per_channel', scales, zero_points: zps, axis: per_channel.axis }
    : { kind: 'per_tensor', scale: scales[0], zero_point: zps[0] };
  return { w, wq, scales, zps };
}

/** A random float32 bias [n] in [−2, 2). */
export function random_bias(rnd: () => number, n: number): Tensor {
  return new Tensor(
    Float32Array.from({ length: n }, () => rnd() * 4 - 2),
    [n],
    'float32',
  );
}

/** A random quint8 input of `shape` with random qparams (scale, then zero point, then the data). */
export function random_qinput(rnd: () => number, shape: number[]) {
  const xs = Math.fround(0.005 + rnd() * 0.1);
  const xz = Math.floor(rnd() * 256);
  const xd = Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(rnd() * 256));
  return { x: make_qtensor(xd, shape, 'quint8', xs, xz), xs, xz, xd };
}

/** Same shape, and max |got − want| below `fraction` of want's largest magnitude. */
export function expect_near(got: Tensor, want: Tensor, fraction: number): void {
  expect(got.shape).toEqual(want.shape);
  const err = Math.max(...Array.from(got.data, (v, i) => Math.abs(v - want.data[i])));
  expect(err).toBeLessThan(fraction * Math.max(...Array.from(want.data, Math.abs)));
}

/** Saves `q` to `path`, reloads it and expects `got` from the loaded model on js and on wasm. */
export function expect_reload_bit_for_bit(q: GraphModule, path: string, x: Tensor, got: Tensor): void {
  save_quantized(q, path);
  const loaded = load_quantized(path);
  for (const be of ['js', 'wasm'] as const) {
    set_backend(be);
    expect([...(loaded.forward(x) as Tensor).data]).toEqual([...got.data]);
  }
}

/** The eager model's output on wasm equals its output on js. */
export function expect_js_wasm_agree(q: { forward(x: Tensor): unknown }, x: Tensor): void {
  set_backend('js');
  const a = [...(q.forward(x) as Tensor).data];
  set_backend('wasm');
  expect([...(q.forward(x) as Tensor).data]).toEqual(a);
}
