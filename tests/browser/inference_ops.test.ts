// fxq/inference leaves the toolchain out of the bundle, never an op: a fresh process that imports only
// inference.ts has every function op and Tensor method registered that one importing the full browser entry
// has, so any graph a saved model may hold resolves in load_quantized(bytes) without another import.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** The registered op names after importing `entry` alone (a child process: nothing else loaded). */
function registered_after(entry: string): { functions: string[]; methods: string[] } {
  const script = `
    await import('./${entry}');
    const d = await import('./runtime/tensor/dispatch.ts');
    console.log(JSON.stringify({ functions: d.registered_function_names().sort(), methods: d.registered_method_names().sort() }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

describe('fxq/inference registers every op', () => {
  it('the same function ops and Tensor methods as browser.ts', () => {
    const inference = registered_after('inference.ts');
    const browser = registered_after('browser.ts');
    expect(inference.functions.length).toBeGreaterThan(100);
    expect(inference.functions).toEqual(browser.functions);
    expect(inference.methods).toEqual(browser.methods);
  }, 60_000);
});
