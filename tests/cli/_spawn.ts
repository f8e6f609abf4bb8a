// Runs the real `fxq` command (node bin/fxq.mjs) in a child process; returns exit code, stdout, stderr.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const TINY = 'tests/cli/fixtures/tiny_cnn.ts';
export const BROKEN = 'tests/cli/fixtures/control_flow.ts';
/** Small data settings so each command finishes in seconds. */
export const SMALL = ['--calib-images', '20', '--eval-images', '50'];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `fxq …args` run in `cwd` (default: the repository). */
export function fxq(args: string[], cwd = REPO): Promise<Run> {
  return new Promise((ok, fail) => {
    const p = spawn('node', [resolve(REPO, 'bin/fxq.mjs'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', fail);
    p.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
  });
}
