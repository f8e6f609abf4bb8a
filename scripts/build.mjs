// Builds the published package into dist/ (run by `npm pack` / `npm publish` through `prepack`):
// 1. the wasm kernels (scripts/build_wasm.mjs; skipped when build/*.wasm is newer than its sources),
// 2. JavaScript + .d.ts with tsc -p tsconfig.build.json (a fresh dist/, so no file of a deleted source lingers),
// 3. the files tsc does not emit: the prebuilt .wasm next to the compiled loader (dist/runtime/backends/wasm/build/,
//    where wasm_build_url looks) and the .mjs worker entries.
// Any failure fails the pack: a tarball without its wasm or types must not be produced.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const wasm_build = join(root, 'runtime/backends/wasm/build');
const SOURCE_DIRS = ['runtime', 'compiler', 'tools', 'cli'];
const t0 = Date.now();

function step(what, fn) {
  try {
    fn();
  } catch (e) {
    console.error(`fxq build: ${what} failed: ${e.message ?? e}`);
    process.exit(1);
  }
}

/** Every file under `dir` (recursive). */
function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

step('wasm build', () => {
  execFileSync(process.execPath, [join(root, 'scripts/build_wasm.mjs'), '--if-stale'], { stdio: 'inherit' });
  for (const f of ['simd.wasm', 'relaxed.wasm'])
    if (!existsSync(join(wasm_build, f))) throw new Error(`${relative(root, join(wasm_build, f))} was not built`);
});

step('tsc -p tsconfig.build.json', () => {
  rmSync(dist, { recursive: true, force: true });
  // the package's bin (TypeScript 7 exports no ./bin subpath, so resolve it from package.json)
  const pkg = createRequire(import.meta.url).resolve('typescript/package.json');
  const tsc = join(dirname(pkg), 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
});

step('copying assets', () => {
  const copy = (src) => {
    const dst = join(dist, relative(root, src));
    mkdirSync(dirname(dst), { recursive: true });
    copyFileSync(src, dst);
  };
  for (const f of ['simd.wasm', 'relaxed.wasm']) copy(join(wasm_build, f));
  for (const d of SOURCE_DIRS)
    for (const f of walk(join(root, d))) {
      if (f.includes(`${join('wasm', 'assembly')}`) || f.includes(`${join('wasm', 'build')}`)) continue;
      // .mjs entries (worker boot files) run as they are
      if (f.endsWith('.mjs')) copy(f);
    }
});

if (!existsSync(join(dist, 'index.js')) || !existsSync(join(dist, 'index.d.ts')))
  step('checking dist', () => {
    throw new Error('dist/index.js or dist/index.d.ts missing after tsc');
  });
console.log(`fxq build: dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
