/**
 * Builds examples/browser into a folder a static server can serve (default examples/browser/dist):
 * the two pages bundled by esbuild (minified ESM), the wasm kernels, the Fashion-MNIST gzip IDX files, the
 * fp32 weights, and fmnist_cnn_int8.safetensors — FmnistCNN quantized here with the repo's own
 * save_quantized (calibration: the first 1,000 training images on the wasm backend).
 * `npx tsx examples/browser/node/build.ts [out]`.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { load_fashion_mnist, load_safetensors, load_wasm_backend, save_quantized } from '../../../index.js';
import { fmnist_cnn_with, ptq_fmnist_cnn } from '../ptq.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const DATA = join(ROOT, 'examples/data/fashion-mnist');
const WEIGHTS = join(ROOT, 'examples/weights/fmnist_cnn.safetensors');
/** Where `npx tsx examples/browser/node/build.ts` writes by default (git-ignored). */
export const DEFAULT_OUT = resolve(HERE, '../dist');
const DATA_FILES = [
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
  'train-first1000-images-idx3-ubyte.gz',
  'train-first1000-labels-idx1-ubyte.gz',
];

/** Options of build_browser_example. */
export interface BuildOptions {
  /** Calibration images of the saved int8 model (first N training images; default 1000). */
  calib?: number;
}

/** Writes the servable example into `out`; returns the saved model's path and the model itself. */
export async function build_browser_example(
  out = DEFAULT_OUT,
  options: BuildOptions = {},
): Promise<{ saved: string; model: GraphModule }> {
  mkdirSync(join(out, 'data'), { recursive: true });
  mkdirSync(join(out, 'wasm'), { recursive: true });
  await build({
    entryPoints: { main: join(HERE, '../main.ts'), strict: join(HERE, '../strict.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    splitting: true, // Graphviz (GraphModule.to_svg) stays a lazy chunk the pages never fetch
    outdir: out,
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'strict.html']) copyFileSync(join(HERE, '..', f), join(out, f));
  for (const f of ['simd.wasm', 'relaxed.wasm'])
    copyFileSync(join(ROOT, 'runtime/backends/wasm/build', f), join(out, 'wasm', f));
  for (const f of DATA_FILES) copyFileSync(join(DATA, f), join(out, 'data', f));
  copyFileSync(WEIGHTS, join(out, 'fmnist_cnn.safetensors'));
  load_wasm_backend({ variant: 'simd' });
  const train = load_fashion_mnist(DATA, 'train-first1000');
  const q = ptq_fmnist_cnn(fmnist_cnn_with(load_safetensors(WEIGHTS)), train.images, options.calib ?? 1000, 'wasm');
  const saved = join(out, 'fmnist_cnn_int8.safetensors');
  save_quantized(q, saved);
  return { saved, model: q };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? DEFAULT_OUT);
  await build_browser_example(out);
  console.log(`built ${out}; serve it with: npx tsx examples/browser/node/serve.ts ${out}`);
}
