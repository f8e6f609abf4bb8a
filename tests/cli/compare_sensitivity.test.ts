// `fxq compare` and `fxq sensitivity` through the real command line.
import { describe, expect, it } from 'vitest';
import { BROKEN, fxq, SMALL, TINY } from './_spawn.js';

describe('fxq compare', () => {
  it('prints per-layer SQNR of every matched layer, weight SQNR of weighted ones (--json)', async () => {
    const [j, t] = await Promise.all([
      fxq(['compare', TINY, '--no-weights', ...SMALL, '--json']),
      fxq(['compare', TINY, '--no-weights', ...SMALL]),
    ]);
    expect(j.code, j.stderr).toBe(0);
    const r = JSON.parse(j.stdout) as {
      layers: { layer: string; sqnr: number; weight_sqnr?: number; cosine_similarity: number }[];
    };
    const names = r.layers.map((l) => l.layer);
    expect(names).toEqual(expect.arrayContaining(['conv1', 'conv2', 'fc']));
    for (const l of r.layers) {
      expect(l.sqnr).toBeGreaterThan(10); // int8 of a small net: far from noise
      expect(l.cosine_similarity).toBeGreaterThan(0.9);
    }
    expect(r.layers.find((l) => l.layer === 'fc')?.weight_sqnr).toBeGreaterThan(30);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/\| conv1 \| conv1 \| ConvReLU2d \| [\d.]+ \| [\d.]+ \|/);
  });

  it('exits 2 on wrong arguments and a missing file, 1 on a model that fails to trace', async () => {
    const [bad, missing, broken] = await Promise.all([
      fxq(['compare', TINY, '--quantized', '/nonexistent/dir', ...SMALL]),
      fxq(['compare', 'gone.ts']),
      fxq(['compare', BROKEN, ...SMALL]),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--quantized \/nonexistent\/dir: not a save_quantized file/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model file not found: gone\.ts/);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/symbolic trace of Net: in module 'gate'/);
  });
});

describe('fxq sensitivity', () => {
  it('one-at-a-time and leave-one-out on 2 workers, rows sorted by sensitivity (--json)', async () => {
    const [a, b] = await Promise.all([
      fxq(['sensitivity', TINY, '--no-weights', ...SMALL, '--workers', '2', '--json']),
      fxq([
        'sensitivity',
        TINY,
        '--no-weights',
        ...SMALL,
        '--workers',
        '1',
        '--mode',
        'leave-one-out',
        '--layers',
        'conv1,fc',
        '--json',
      ]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ra = JSON.parse(a.stdout);
    const rb = JSON.parse(b.stdout);
    expect(ra.mode).toBe('one_at_a_time');
    expect(ra.rows.map((r: { layer: string }) => r.layer).sort()).toEqual(['conv1', 'conv2', 'fc']);
    expect(ra.baseline).toBe(ra.fp32_accuracy);
    const da = ra.rows.map((r: { delta_pp: number }) => r.delta_pp);
    expect(da).toEqual([...da].sort((x, y) => x - y));
    for (const r of ra.rows) expect(r.delta_pp).toBeCloseTo(100 * (r.accuracy - ra.fp32_accuracy), 9);
    expect(rb.mode).toBe('leave_one_out');
    expect(rb.baseline).toBe(rb.int8_accuracy);
    // same data and calibration in both runs: the fp32 and all-int8 evaluations agree across processes
    expect(rb.fp32_accuracy).toBe(ra.fp32_accuracy);
    expect(rb.int8_accuracy).toBe(ra.int8_accuracy);
  });

  it('exits 2 on wrong arguments and a missing file, 1 on a model that fails to trace', async () => {
    const [bad_layer, bad_mode, missing, broken] = await Promise.all([
      fxq(['sensitivity', TINY, '--layers', 'conv9', ...SMALL]),
      fxq(['sensitivity', TINY, '--mode', 'sideways']),
      fxq(['sensitivity', 'absent.ts']),
      fxq(['sensitivity', BROKEN, '--layers', 'gate', '--workers', '1', ...SMALL]),
    ]);
    expect(bad_layer.code).toBe(2);
    expect(bad_layer.stderr).toMatch(
      /--layers: 'conv9' is not a module of .*tiny_cnn\.ts \(quantizable: conv1, conv2, fc\)/,
    );
    expect(bad_mode.code).toBe(2);
    expect(bad_mode.stderr).toMatch(/sideways[\s\S]*Usage: fxq sensitivity/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model file not found: absent\.ts/);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/symbolic trace of Net: in module 'gate'/);
  });
});
