// Builds the fxq WebAssembly SIMD kernels (runtime/backends/wasm/assembly/*.ts, AssemblyScript) into
// runtime/backends/wasm/build/: simd.wasm (baseline SIMD, the fast path everywhere) and relaxed.wasm
// (relaxed SIMD: fused multiply-add in the fp32 GEMM; picked at load time only where the engine validates it).
// Runs from the repo's own `npm install` / `npm ci` (the `prepare` script, which npm never runs for a consumer
// of the tarball: the package ships the .wasm prebuilt), `npm run build:wasm` and scripts/build.mjs. It never
// fails the install: on error it says what failed and how to retry, and the js backend keeps working; loading
// wasm then throws that hint. With --if-stale it does nothing when every output is newer than every source.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'runtime/backends/wasm/assembly/index.ts');
const out_dir = join(root, 'runtime/backends/wasm/build');

const builds = [
  { file: 'simd.wasm', features: ['simd'], required: true },
  { file: 'relaxed.wasm', features: ['simd', 'relaxed-simd'], required: false },
];

function fail(what, detail) {
  console.error(`fxq: wasm build failed (${what}).${detail ? `\n${detail.trim()}` : ''}`);
  console.error(
    'fxq: the js backend still works; fix the cause and run `npm run build:wasm` to build the wasm backend.',
  );
  process.exit(0);
}

/** Newest modification time of the sources (assembly/*.ts and this script, whose flags shape the output). */
function newest_source_ms() {
  const dir = dirname(src);
  const files = readdirSync(dir).map((f) => join(dir, f));
  files.push(fileURLToPath(import.meta.url));
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

if (process.argv.includes('--if-stale')) {
  const outs = builds.map((b) => join(out_dir, b.file));
  const newest = newest_source_ms();
  if (outs.every((o) => existsSync(o) && statSync(o).mtimeMs > newest)) process.exit(0);
}

let asc;
try {
  asc = (await import('assemblyscript/asc')).default;
} catch (e) {
  fail('cannot load the AssemblyScript compiler: run `npm install` (devDependency assemblyscript)', String(e));
}

mkdirSync(out_dir, { recursive: true });
const t0 = Date.now();
for (const b of builds) {
  const target = join(out_dir, b.file);
  const tmp = `${target}.${process.pid}.tmp`;
  let log = '';
  const sink = {
    write: (s) => {
      log += String(s);
      return true;
    },
  };
  // imported shared memory (4 GiB maximum), so worker threads instantiate the module on the same memory
  // (runtime/threads); the loader turns the import into a plain memory where sharing is unavailable
  const args = [src, '-O3', '--runtime', 'stub', '--noAssert', '--importMemory', '--sharedMemory'];
  args.push('--maximumMemory', '65536', '--outFile', tmp, '--enable', 'threads');
  for (const f of b.features) args.push('--enable', f);
  let res;
  try {
    res = await asc.main(args, { stdout: sink, stderr: sink });
  } catch (e) {
    res = { error: e };
  }
  if (res.error) {
    rmSync(tmp, { force: true });
    if (!b.required) rmSync(target, { force: true });
    // a stale module from older sources must not keep running: remove every output of this build
    if (b.required) for (const o of builds) rmSync(join(out_dir, o.file), { force: true });
    if (b.required) fail(`asc ${b.features.join('+')} -> ${b.file}: ${res.error.message ?? res.error}`, log);
    console.error(
      `fxq: optional ${b.file} not built (${res.error.message ?? res.error}); the baseline SIMD build is used.`,
    );
    continue;
  }
  renameSync(tmp, target); // atomic: a reader never sees a half-written module
}
if (process.env.FXQ_BUILD_VERBOSE) console.log(`fxq: wasm built in ${Date.now() - t0} ms -> ${out_dir}`);
