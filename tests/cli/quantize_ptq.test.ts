// `fxq quantize --cle --bias-correction --adaround N` (tools/ptq) through the real command line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { load_quantized } from '../../compiler/artifact/node/index.js';
import { fxq, SMALL, TINY } from './_spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-quantize-ptq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fxq quantize with tools/ptq methods', () => {
  it('--cle --bias-correction --adaround 20 writes a loadable int8 model', async () => {
    const out = join(dir, 'ptq.safetensors');
    const args = ['quantize', TINY, '--out', out, '--no-weights', '--backend', 'js', ...SMALL];
    const r = await fxq([...args, '--qconfig', '4bit', '--cle', '--bias-correction', '--adaround', '20']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('CLE: 0 layer pairs'); // conv1's output also feeds the add: no pair
    expect(r.stderr).toMatch(/AdaRound: 3 layers/);
    expect(r.stderr).toContain('bias correction: done');
    expect([...load_quantized(out).modules()].map((m) => m.constructor.name)).toContain('ConvReLU2d');
    const bad = await fxq([...args, '--mode', 'dynamic', '--adaround']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--mode static only');
  }, 120_000);
});
