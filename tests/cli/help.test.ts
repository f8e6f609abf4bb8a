// `fxq --help` and each subcommand's --help list examples; an unknown subcommand is a usage error (exit 2).
import { describe, expect, it } from 'vitest';
import { fxq } from './_spawn.js';

describe('fxq --help', () => {
  it('the top level and every analysis subcommand show examples and exit codes', async () => {
    const cmds = ['quantize', 'eval', 'compare', 'sensitivity', 'bench', 'report'];
    const runs = await Promise.all([fxq(['--help']), ...cmds.map((c) => fxq([c, '--help']))]);
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples:\n {2}\$ fxq /);
      expect(r.stdout).toContain('Exit codes: 0 ok, 1');
    }
    for (const c of cmds) expect(runs[0].stdout).toMatch(new RegExp(`\\n {2}${c} \\[options\\] <model>`));
    for (const [i, c] of cmds.entries()) expect(runs[i + 1].stdout).toContain(`Usage: fxq ${c} [options] <model>`);
    // the model-file hooks and the data formats are documented at the top level and on each data command
    for (const i of [0, 1, 2, 3, 5]) {
      expect(runs[i].stdout).toMatch(/export function calibrate\(prepared\)/);
      expect(runs[i].stdout).toMatch(/export function evaluate\(model\): number/);
      expect(runs[i].stdout).toMatch(/--data x\.npy --labels y\.npy/);
      expect(runs[i].stdout).toMatch(/--data d\.safetensors/);
      expect(runs[i].stdout).toMatch(/\.ts, \.mts, \.js, \.mjs, \.cjs; in "type": "module" or "type": "commonjs"/);
    }
  });

  it('an unknown subcommand exits 2', async () => {
    const r = await fxq(['quantise', 'x.ts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'quantise'/);
  });
});
