// fxq as a user gets it: `npm pack` (prepack builds dist/), then `npm install <tarball>` into a fresh project
// in os.tmpdir() (outside the repository, so nothing resolves to the repo's sources or node_modules), with its
// dependencies resolved by npm from the registry (npm's cache is reused). In that project: a plain node ESM
// script and a CommonJS script quantize FmnistCNN on the wasm backend and must print the in-repo run's logits
// bit for bit; tsc --strict checks a consumer .ts file against the shipped .d.ts.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fxq from '../../index.js';

const REPO = resolve(import.meta.dirname, '../..');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

// the child npm must not inherit the npm_* settings of an enclosing `npm test`
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: ENV, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

function ok(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** float32 values as their bit patterns, so equality is bit for bit (NaN payloads and -0 included). */
function bits(xs: number[]): number[] {
  return Array.from(new Uint32Array(Float32Array.from(xs).buffer));
}

interface Logits {
  backend: string;
  shape: number[];
  logits: number[];
}

let work = '';
let app = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'fxq-consumer-'));
  // npm pack runs prepack (scripts/build.mjs: wasm if stale, tsc → dist/, assets); --json lists the files
  const packed = ok('npm', ['pack', '--json', '--pack-destination', work], REPO);
  const [info] = JSON.parse(packed.slice(packed.search(/^\[/m))) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string; size: number }[];
  }[];
  const tarball = join(work, info.filename);
  console.log(
    `fxq tarball ${info.filename}: ${(info.size / 1024).toFixed(1)} kB packed, ` +
      `${(info.unpackedSize / 1024).toFixed(1)} kB unpacked, ${info.files.length} files:\n` +
      info.files.map((f) => `  ${f.path} ${f.size}`).join('\n'),
  );
  expect(statSync(tarball).size).toBe(info.size);

  app = join(work, 'app');
  mkdirSync(app);
  // what `npm init -y` writes: a CommonJS project
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'commonjs' }));
  const t0 = Date.now();
  ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
  const du = run('du', ['-sk', join(app, 'node_modules')], app).stdout.split('\t')[0];
  console.log(`npm install <tarball>: ${((Date.now() - t0) / 1000).toFixed(1)} s, node_modules ${du} kB`);

  for (const f of [
    'ptq_common.cjs',
    'quantize.mjs',
    'quantize.cjs',
    'consumer.ts',
    'tsconfig.consumer.json',
    'consumer_cjs.cts',
    'tsconfig.cjs.json',
  ])
    copyFileSync(join(FIXTURES, f), join(app, f));
  copyFileSync(join(REPO, 'examples/weights/fmnist_cnn.safetensors'), join(app, 'fmnist_cnn.safetensors'));
  // 40 normalised test images: 32 calibrate, 8 are classified
  const test = fxq.load_fashion_mnist(join(REPO, 'examples/data/fashion-mnist'), 'test');
  fxq.save_safetensors({ images: test.images.narrow(0, 0, 40).contiguous() }, join(app, 'images.safetensors'));
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package installed into a fresh project', () => {
  let in_repo: Logits;
  beforeAll(() => {
    const common = createRequire(import.meta.url)('./fixtures/ptq_common.cjs') as {
      run: (fxq: unknown, dir: string) => Logits;
    };
    in_repo = common.run(fxq, app);
  });

  it('ships compiled JavaScript, .d.ts and the prebuilt wasm, and no install script', () => {
    const pkg = join(app, 'node_modules/fxq');
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'bin/fxq.mjs'])
      expect(statSync(join(pkg, f)).isFile()).toBe(true);
    for (const f of ['simd.wasm', 'relaxed.wasm'])
      expect(statSync(join(pkg, 'dist/runtime/backends/wasm/build', f)).size).toBeGreaterThan(10_000);
    const manifest = createRequire(import.meta.url)(join(pkg, 'package.json')) as { scripts?: Record<string, string> };
    for (const s of ['preinstall', 'install', 'postinstall']) expect(manifest.scripts?.[s]).toBeUndefined();
  });

  it('a plain node ESM script quantizes FmnistCNN on wasm with the in-repo logits, bit for bit', () => {
    const r = run('node', ['quantize.mjs'], app);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout) as Logits;
    expect(got.backend).toBe('wasm');
    expect(got.shape).toEqual([8, 10]);
    expect(in_repo.backend).toBe('wasm');
    expect(bits(got.logits)).toEqual(bits(in_repo.logits));
  });

  it("CommonJS: require('fxq') gives the same logits, without a warning", () => {
    const r = run('node', ['quantize.cjs'], app);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout) as Logits;
    expect(bits(got.logits)).toEqual(bits(in_repo.logits));
  });

  it('CommonJS: import() works, and the namespace has no default export (use the named exports)', () => {
    const script =
      "import('fxq').then((m) => console.log(JSON.stringify([typeof m.nn.Conv2d, typeof require('fxq').default])))";
    expect(JSON.parse(ok('node', ['-e', script], app))).toEqual(['function', 'undefined']);
  });

  it('TypeScript compiled to CommonJS (.cts, NodeNext) type-checks, compiles and runs', () => {
    const r = run('node', [TSC, '-p', 'tsconfig.cjs.json'], app);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(ok('node', ['out/consumer_cjs.cjs'], app)) as { ops: string[]; shape: number[] };
    expect(got).toEqual({ ops: ['placeholder', 'call_module', 'call_module', 'output'], shape: [1, 2] });
  });

  it('tsc --strict type-checks a consumer .ts file against the shipped .d.ts with zero errors', () => {
    // NodeNext resolution (exports → types), full checking of fxq's .d.ts (skipLibCheck false), no @types/node
    const r = run('node', [TSC, '-p', 'tsconfig.consumer.json'], app);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    // the plain command line form (default module settings)
    const plain = run('node', [TSC, '--noEmit', '--strict', 'consumer.ts'], app);
    expect(plain.stdout + plain.stderr).toBe('');
    expect(plain.status).toBe(0);
  });
});
