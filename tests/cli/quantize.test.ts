// `fxq quantize` through the real command line: static/dynamic/QAT models that load back, and the error paths.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { load_quantized } from '../../compiler/artifact/node/index.js';
import { BROKEN, fxq, SMALL, TINY } from './_spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-quantize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fxq quantize', () => {
  it('static PTQ writes a save_quantized file with int8 layers (--json)', async () => {
    const out = join(dir, 'static.safetensors');
    const r = await fxq(['quantize', TINY, '--out', out, '--no-weights', '--backend', 'js', ...SMALL, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ out, mode: 'static', qconfig: 'qnnpack' });
    const gm = load_quantized(out);
    const types = [...gm.modules()].map((m) => m.constructor.name);
    expect(types).toContain('ConvReLU2d');
    expect(gm.code).toContain('quantize_per_tensor');
  });

  it('--backend-config fxq quantizes with the opt-in config (an unknown name is a usage error)', async () => {
    const out = join(dir, 'fxq.safetensors');
    const [r, bad] = await Promise.all([
      fxq([
        'quantize',
        TINY,
        '--out',
        out,
        '--no-weights',
        '--backend',
        'js',
        ...SMALL,
        '--backend-config',
        'fxq',
        '--json',
      ]),
      fxq(['quantize', TINY, '--out', join(dir, 'bad.safetensors'), '--no-weights', '--backend-config', 'nope']),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, mode: 'static', backend_config: 'fxq' });
    expect(load_quantized(out).code).toContain('quantize_per_tensor');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/backend-config/);
  });

  it('dynamic and QAT modes also produce loadable int8 models', async () => {
    const [d, q] = await Promise.all([
      fxq([
        'quantize',
        TINY,
        '--mode',
        'dynamic',
        '--out',
        join(dir, 'dyn.safetensors'),
        '--no-weights',
        '--backend',
        'js',
        ...SMALL,
      ]),
      fxq([
        'quantize',
        TINY,
        '--mode',
        'qat',
        '--out',
        join(dir, 'qat.safetensors'),
        '--no-weights',
        '--backend',
        'js',
        ...SMALL,
      ]),
    ]);
    expect(d.code, d.stderr).toBe(0);
    expect(q.code, q.stderr).toBe(0);
    expect(d.stdout).toMatch(/wrote .*dyn\.safetensors \(dynamic/);
    expect(existsSync(join(dir, 'qat.safetensors'))).toBe(true);
    // the int8 Linear exposes its packed weight through weight(); a float Linear has a Parameter
    const fc = load_quantized(join(dir, 'qat.safetensors')).get_submodule('fc') as unknown as { weight: unknown };
    expect(typeof fc.weight).toBe('function');
    const dfc = load_quantized(join(dir, 'dyn.safetensors')).get_submodule('fc');
    expect(dfc.constructor.name).toBe('Linear');
    expect(typeof (dfc as unknown as { weight: unknown }).weight).toBe('function');
  });

  it('wrong arguments exit 2 with a usage message', async () => {
    const [bad_opt, no_out, bad_mode, bad_n] = await Promise.all([
      fxq(['quantize', TINY, '--bogus']),
      fxq(['quantize', TINY]),
      fxq(['quantize', TINY, '--out', join(dir, 'x'), '--mode', 'fp16']),
      fxq(['quantize', TINY, '--out', join(dir, 'x'), '--calib-images', 'many']),
    ]);
    expect(bad_opt.code).toBe(2);
    expect(bad_opt.stderr).toMatch(/unknown option '--bogus'[\s\S]*Usage: fxq quantize/);
    expect(no_out.code).toBe(2);
    expect(no_out.stderr).toMatch(/--out <file> is required/);
    expect(bad_mode.code).toBe(2);
    expect(bad_mode.stderr).toMatch(/fp16.*invalid|Allowed choices/i);
    expect(bad_n.code).toBe(2);
    expect(bad_n.stderr).toMatch(/--calib-images must be an integer/);
  });

  it('a missing model file exits 2, a model that fails to trace exits 1, both naming the file', async () => {
    const [missing, broken] = await Promise.all([
      fxq(['quantize', 'no/such/model.ts', '--out', join(dir, 'm')]),
      fxq(['quantize', BROKEN, '--out', join(dir, 'b'), ...SMALL]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model file not found: no\/such\/model\.ts/);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/fxq: .*(trace|control flow|data-dependent)/i);
    expect(existsSync(join(dir, 'b'))).toBe(false);
  });
});
