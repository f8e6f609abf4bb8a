// browser.ts bundles for the browser: no Node built-in (node:*, fs, worker_threads, …) is reachable from it,
// and none of the Node-only packages (ts-morph, cli-progress, commander, tsx) is pulled in.
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundle_size } from '../../bench/bundle.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const NODE_ONLY_PACKAGES = ['ts-morph', 'cli-progress', 'commander', 'tsx', 'typescript'];

/** Bundles `entry` for the browser; returns each Node built-in import as "specifier ← importer". */
async function node_imports(entry: string): Promise<{ builtins: string[]; inputs: string[] }> {
  const builtins: string[] = [];
  const record: Plugin = {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!BUILTINS.has(args.path) && !args.path.startsWith('node:')) return undefined;
        builtins.push(`${args.path} ← ${args.importer.slice(ROOT.length + 1)}`);
        return { path: args.path, external: true };
      });
    },
  };
  const out = await build({
    entryPoints: [resolve(ROOT, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [record],
  });
  return { builtins, inputs: Object.keys(out.metafile.inputs) };
}

describe('browser-safe core', () => {
  it('browser.ts bundles for platform=browser without any Node built-in or Node-only package', async () => {
    const { builtins, inputs } = await node_imports('browser.ts');
    expect(builtins).toEqual([]);
    const packages = inputs.filter((p) => NODE_ONLY_PACKAGES.some((n) => p.includes(`node_modules/${n}/`)));
    expect(packages).toEqual([]);
    // the core really is in the bundle (not an empty entry)
    expect(inputs.some((p) => p.endsWith('compiler/quantize_fx/convert.ts'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('runtime/backends/wasm/module.ts'))).toBe(true);
  }, 60_000);

  it('inference.ts (load and run a saved int8 model) is Node-free and bundles to at most 100 KB min + gzip', async () => {
    const { builtins, inputs } = await node_imports('inference.ts');
    expect(builtins).toEqual([]);
    expect(inputs.some((p) => p.endsWith('compiler/artifact/quantized_artifact.ts'))).toBe(true);
    // the tracer, prepare/convert and the observers are not needed to run a saved model
    expect(inputs.filter((p) => /compiler\/(quantize_fx\/|trace\/(tracer|symbolic_trace|proxy)\.ts)/.test(p))).toEqual(
      [],
    );
    const size = await bundle_size('inference.ts');
    expect(size.gzip).toBeLessThanOrEqual(100 * 1024);
  }, 60_000);

  it('the check itself sees a Node built-in: index.ts (the Node entry) reaches them', async () => {
    const { builtins } = await node_imports('index.ts');
    expect(builtins.some((b) => b.startsWith('node:worker_threads'))).toBe(true);
  }, 60_000);
});
