/**
 * `npm run bench -- bundle`: what fxq costs a web page, minified + gzip (level 9). Each entry is bundled by
 * esbuild (platform browser, ESM, minify, code splitting) and counted with every chunk it imports
 * statically — lazily imported chunks (Graphviz for `to_svg`) load only when called and are listed apart.
 *   inference — inference.ts: load a saved int8 model and run it (fetch_quantized, init_wasm, tensors)
 *   browser   — browser.ts: the full browser-safe toolchain (trace, prepare/convert, observers, tools)
 * plus each .wasm build (raw and gzip). Prints a Markdown table; `--json` prints the figures as JSON.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Sizes in bytes of one bundled entry. */
export interface BundleSize {
  entry: string;
  /** The entry chunk plus its static imports. */
  min: number;
  gzip: number;
  /** Chunks reached only through dynamic import(). */
  lazy_min: number;
  lazy_gzip: number;
  /** The largest contributors to `min` (package or top folders), bytes. */
  top: [string, number][];
}

const gz = (b: Uint8Array): number => gzipSync(b, { level: 9 }).length;

/** Bundles `entry` (relative to the repo root) and measures it. */
export async function bundle_size(entry: string): Promise<BundleSize> {
  const outdir = join(ROOT, '.bundle-size-out'); // never written (write: false); names the chunks
  const r = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    splitting: true,
    outdir,
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const outputs = r.metafile.outputs;
  const start = Object.keys(outputs).find((k) => outputs[k].entryPoint !== undefined) as string;
  const eager = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const k = stack.pop() as string;
    if (eager.has(k)) continue;
    eager.add(k);
    for (const i of outputs[k].imports) if (i.kind === 'import-statement') stack.push(i.path);
  }
  const size = { entry, min: 0, gzip: 0, lazy_min: 0, lazy_gzip: 0, top: [] as [string, number][] };
  for (const f of r.outputFiles) {
    const key = relative(process.cwd(), f.path);
    const is_eager = eager.has(key);
    size[is_eager ? 'min' : 'lazy_min'] += f.contents.length;
    size[is_eager ? 'gzip' : 'lazy_gzip'] += gz(f.contents);
  }
  const by = new Map<string, number>();
  for (const k of eager)
    for (const [p, v] of Object.entries(outputs[k].inputs)) {
      const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(p);
      const key = pkg ? pkg[1] : p.split('/').slice(0, 2).join('/');
      by.set(key, (by.get(key) ?? 0) + v.bytesInOutput);
    }
  size.top = [...by].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return size;
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

export async function run(args: string[]): Promise<void> {
  const entries = [await bundle_size('inference.ts'), await bundle_size('browser.ts')];
  const wasm = ['simd', 'relaxed'].map((v) => {
    const bytes = readFileSync(join(ROOT, 'runtime/backends/wasm/build', `${v}.wasm`));
    return { file: `${v}.wasm`, raw: bytes.length, gzip: gz(bytes) };
  });
  if (args.includes('--json')) {
    console.log(JSON.stringify({ entries, wasm }, null, 2));
    return;
  }
  console.log('| bundle | minified | min + gzip | lazy chunks (min + gzip) |');
  console.log('| --- | --- | --- | --- |');
  for (const e of entries)
    console.log(`| ${e.entry} | ${kb(e.min)} | ${kb(e.gzip)} | ${e.lazy_min ? kb(e.lazy_gzip) : '—'} |`);
  for (const w of wasm) console.log(`| ${w.file} | ${kb(w.raw)} (raw) | ${kb(w.gzip)} | — |`);
  for (const e of entries) console.log(`${e.entry}: ${e.top.map(([k, v]) => `${k} ${kb(v)}`).join(', ')}`);
}
