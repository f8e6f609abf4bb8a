// `fxq eval` and `fxq bench` through the real command line, on a model file and on a save_quantized file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN, fxq, SMALL, TINY } from './_spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-eval-'));
const q = join(dir, 'tiny_int8.safetensors');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  const r = await fxq(['quantize', TINY, '--out', q, '--no-weights', ...SMALL]);
  if (r.code !== 0) throw new Error(`setup quantize failed: ${r.stderr}`);
});

describe('fxq eval', () => {
  it('reports accuracy of the float file (text and --json agree) and of the int8 directory', async () => {
    const [f, i8, text] = await Promise.all([
      fxq(['eval', TINY, '--no-weights', '--eval-images', '100', '--json']),
      fxq(['eval', q, '--eval-images', '100', '--eval-offset', '100', '--json']),
      fxq(['eval', TINY, '--no-weights', '--eval-images', '100']),
    ]);
    expect(f.code, f.stderr).toBe(0);
    expect(i8.code, i8.stderr).toBe(0);
    const jf = JSON.parse(f.stdout);
    const jq = JSON.parse(i8.stdout);
    expect(jf).toMatchObject({ kind: 'float', images: 100, offset: 0 });
    expect(jq).toMatchObject({ kind: 'quantized', images: 100, offset: 100 });
    for (const a of [jf.accuracy, jq.accuracy]) {
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
    }
    // accuracy counts whole images
    expect(Math.round(jf.accuracy * 100)).toBeCloseTo(jf.accuracy * 100, 9);
    expect(text.stdout).toContain(`accuracy ${(100 * jf.accuracy).toFixed(2)}%`);
  });

  it('exits 2 on wrong arguments and a missing file, 1 on a model that fails to trace', async () => {
    const [bad, bad_n, missing, broken] = await Promise.all([
      fxq(['eval']),
      fxq(['eval', TINY, '--eval-images', '0']),
      fxq(['eval', 'missing.ts']),
      fxq(['eval', BROKEN, '--eval-images', '10']),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/missing required argument 'model'[\s\S]*Usage: fxq eval/);
    expect(bad_n.code).toBe(2);
    expect(bad_n.stderr).toMatch(/--eval-images must be an integer ≥ 1, got '0'/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model file not found: missing\.ts/);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/Gate|gate/);
  });
});

describe('fxq bench', () => {
  it('times each backend and batch size (--json)', async () => {
    const r = await fxq(['bench', q, '--batch', '1,4', '--runs', '3', '--backends', 'js,wasm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.kind).toBe('quantized');
    expect(j.rows.map((x: { backend: string; batch: number }) => `${x.backend}/${x.batch}`)).toEqual([
      'js/1',
      'js/4',
      'wasm/1',
      'wasm/4',
    ]);
    for (const row of j.rows) {
      expect(row.median_ms).toBeGreaterThan(0);
      expect(row.p10_ms).toBeLessThanOrEqual(row.median_ms);
    }
  });

  it('exits 2 on wrong arguments and a missing file, 1 on a model that fails to trace', async () => {
    const [bad, missing, broken] = await Promise.all([
      fxq(['bench', q, '--backends', 'cuda']),
      fxq(['bench', 'nope/model.ts']),
      fxq(['bench', BROKEN, '--batch', '1']),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown backend 'cuda'/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model file not found/);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/Gate|gate/);
  });
});
