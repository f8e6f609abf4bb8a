// Runs the real `fxq` command (node bin/fxq.mjs) in a child process; returns exit code, stdout, stderr.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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

/**
 * Makes `dir` a project of the given "type" with `fxq` installed as node_modules/fxq: a package whose
 * entry re-exports this checkout's index.ts (the published exports point at dist/, which a checkout
 * has only after `npm run build`). The CLI and the model files then share one fxq module instance.
 */
export function make_project(dir: string, type: 'module' | 'commonjs'): void {
  const pkg = join(dir, 'node_modules', 'fxq');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'fxq', type: 'module', exports: './index.js' }));
  writeFileSync(
    join(pkg, 'index.js'),
    `export * from ${JSON.stringify(pathToFileURL(join(REPO, 'index.ts')).href)};\n`,
  );
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `project-${type}`, private: true, type }));
}
