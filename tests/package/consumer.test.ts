// fxq as a user gets it: `npm pack` (prepack builds dist/), then `npm install <tarball>` into a fresh project
// in os.tmpdir() (outside the repository, so nothing resolves to the repo's sources or node_modules), with its
// dependencies resolved by npm from the registry (npm's cache is reused). In that project: a plain node ESM
// script and a CommonJS script quantize FmnistCNN on the wasm backend and must print the in-repo run's logits
// bit for bit; tsc --strict checks a consumer .ts file against the shipped .d.ts; esbuild bundles it for the
// browser; `npx fxq` quantizes, evaluates, benchmarks and compares a 3-channel model file in a commonjs project.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fxq from '../../index.js';

const REPO = resolve(import.meta.dirname, '../..');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

// the child npm must not inherit the npm_* settings of an enclosing `npm test`
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

// asynchronous, so vitest's worker stays responsive during the minute of npm and node children
function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const p = spawn(cmd, args, { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', fail);
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
}

async function ok(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await run(cmd, args, cwd);
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

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'fxq-consumer-'));
  // npm pack runs prepack (scripts/build.mjs: wasm if stale, tsc → dist/, assets); --json lists the files
  const packed = await ok('npm', ['pack', '--json', '--pack-destination', work], REPO);
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
  await ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
  const du = (await run('du', ['-sk', join(app, 'node_modules')], app)).stdout.split('\t')[0];
  console.log(`npm install <tarball>: ${((Date.now() - t0) / 1000).toFixed(1)} s, node_modules ${du} kB`);

  for (const f of [
    'ptq_common.cjs',
    'quantize.mjs',
    'quantize_threads.mjs',
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

  it('ts-morph is an optional peer: not installed, and gm.code is then the plain forward with the hint', async () => {
    expect(existsSync(join(app, 'node_modules/ts-morph'))).toBe(false);
    const script =
      "import('fxq').then((m) => console.log(m.fx.symbolic_trace(new m.nn.Sequential(new m.nn.Linear(2, 2), new m.nn.ReLU())).code))";
    const code = await ok('node', ['-e', script], app);
    expect(code).toContain('`npm install ts-morph`');
    expect(code).toMatch(/export function forward\(x\) \{/);
  });

  it('a plain node ESM script quantizes FmnistCNN on wasm with the in-repo logits, bit for bit', async () => {
    const r = await run('node', ['quantize.mjs'], app);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout) as Logits;
    expect(got.backend).toBe('wasm');
    expect(got.shape).toEqual([8, 10]);
    expect(in_repo.backend).toBe('wasm');
    expect(bits(got.logits)).toEqual(bits(in_repo.logits));
  });

  it('set_num_threads(2): the shipped thread pool gives the same logits, bit for bit', async () => {
    const r = await run('node', ['quantize_threads.mjs'], app);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout) as Logits & { threads: number };
    expect(got.threads).toBe(2);
    expect(bits(got.logits)).toEqual(bits(in_repo.logits));
  });

  it("CommonJS: require('fxq') gives the same logits, without a warning", async () => {
    const r = await run('node', ['quantize.cjs'], app);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout) as Logits;
    expect(bits(got.logits)).toEqual(bits(in_repo.logits));
  });

  it('CommonJS: import() works, and the namespace has no default export (use the named exports)', async () => {
    const script =
      "import('fxq').then((m) => console.log(JSON.stringify([typeof m.nn.Conv2d, typeof require('fxq').default])))";
    expect(JSON.parse(await ok('node', ['-e', script], app))).toEqual(['function', 'undefined']);
  });

  it('TypeScript compiled to CommonJS (.cts, NodeNext) type-checks, compiles and runs', async () => {
    const r = await run('node', [TSC, '-p', 'tsconfig.cjs.json'], app);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(await ok('node', ['out/consumer_cjs.cjs'], app)) as { ops: string[]; shape: number[] };
    expect(got).toEqual({ ops: ['placeholder', 'call_module', 'call_module', 'output'], shape: [1, 2] });
  });

  it('tsc --strict type-checks a consumer .ts file against the shipped .d.ts with zero errors', async () => {
    // NodeNext resolution (exports → types), full checking of fxq's .d.ts (skipLibCheck false), no @types/node
    const r = await run('node', [TSC, '-p', 'tsconfig.consumer.json'], app);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    // the plain command line form (default module settings)
    const plain = await run('node', [TSC, '--noEmit', '--strict', 'consumer.ts'], app);
    expect(plain.stdout + plain.stderr).toBe('');
    expect(plain.status).toBe(0);
  });
});

describe('a browser bundle of the installed package (esbuild, platform browser)', () => {
  const ESBUILD = join(REPO, 'node_modules/esbuild/bin/esbuild');
  // the bundle fails on any Node built-in it cannot resolve; --splitting keeps lazy imports (Graphviz) apart
  it.each([
    ['fxq', 'fetch_quantized, init_wasm, nn, quantization, set_backend'],
    ['fxq/inference', 'fetch_quantized, init_wasm, set_backend, tensor'],
  ])('%s bundles with no Node built-in', async (entry, names) => {
    const dir = join(app, `web_${entry.replace('/', '_')}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'page.mjs'), `export { ${names} } from '${entry}';\n`);
    const args = ['page.mjs', '--bundle', '--platform=browser', '--format=esm', '--minify', '--splitting'];
    const r = await run(ESBUILD, [...args, '--outdir=out', '--log-level=warning'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const main = readFileSync(join(dir, 'out/page.js'));
    console.log(`browser bundle of ${entry}: entry chunk ${(gzipSync(main).length / 1024).toFixed(1)} kB min+gz`);
  });
});

describe('npx fxq in a "type": "commonjs" project, on a 3×32×32 model file', () => {
  // `npx fxq <args>` in the app; args as one space-separated string
  const cli = (args: string) => run('npx', ['--no', 'fxq', ...args.split(' ')], app);
  const json = async <T>(args: string): Promise<T> => {
    const r = await cli(`${args} --json`);
    if (r.status !== 0) throw new Error(`fxq ${args} exited ${r.status}:\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(() => {
    for (const f of ['small_rgb_net.ts', 'small_rgb_net_hooks.ts', 'label_with_int8.mjs'])
      copyFileSync(join(FIXTURES, f), join(app, f));
    const images = fxq.randn([64, 3, 32, 32], { generator: new fxq.Generator(1) });
    fxq.save_safetensors({ images }, join(app, 'data.safetensors'));
  });

  let fp32_accuracy = Number.NaN;

  it('quantize writes the int8 model; eval of it on its own predictions is exactly 1', async () => {
    const q = await cli('quantize small_rgb_net.ts --data data.safetensors --calib-images 32 --out q3.safetensors');
    expect(q.status, q.stderr).toBe(0);
    await ok('node', ['label_with_int8.mjs', 'q3.safetensors', 'data.safetensors', 'labelled.safetensors'], app);
    const ev = await json<{ kind: string; accuracy: number; images: number }>(
      'eval q3.safetensors --data labelled.safetensors --eval-images 64',
    );
    expect(ev).toMatchObject({ kind: 'quantized', accuracy: 1, images: 64 });
    const fp = await json<{ kind: string; accuracy: number }>(
      'eval small_rgb_net.ts --data labelled.safetensors --eval-images 64',
    );
    console.log(`fp32 top-1 agreement with int8 on 64 random 3×32×32 inputs: ${fp.accuracy}`);
    expect(fp.kind).toBe('float');
    expect(fp.accuracy).toBeGreaterThan(0.5);
    fp32_accuracy = fp.accuracy;
  });

  it("sensitivity runs the model file's hooks on worker threads (the shipped worker entry)", async () => {
    const r = await json<{ fp32_accuracy: number; rows: { layer: string; accuracy: number }[] }>(
      'sensitivity small_rgb_net_hooks.ts --workers 1',
    );
    // the worker's evaluate() on the float model agrees with `fxq eval` on the same rows and labels
    expect(r.fp32_accuracy).toBe(fp32_accuracy);
    expect(r.rows.map((row) => row.layer)).toEqual(['conv1', 'conv2', 'fc']);
    for (const row of r.rows) expect(row.accuracy).toBeGreaterThanOrEqual(0);
  });

  it('bench times the int8 model on wasm at each batch size', async () => {
    const b = await json<{ rows: { backend: string; batch: number; median_ms: number }[] }>(
      'bench q3.safetensors --data data.safetensors --batch 1,4 --runs 2',
    );
    expect(b.rows.map((r) => [r.backend, r.batch])).toEqual([
      ['wasm', 1],
      ['wasm', 4],
    ]);
    for (const r of b.rows) expect(r.median_ms).toBeGreaterThan(0);
  });

  it('compare reports every quantized layer against float', async () => {
    const c = await json<{ layers: { layer: string; sqnr: number }[] }>(
      'compare small_rgb_net.ts --quantized q3.safetensors --data data.safetensors --eval-images 16',
    );
    const layers = c.layers.map((l) => l.layer);
    for (const l of ['conv1', 'conv2', 'fc']) expect(layers).toContain(l);
    for (const l of c.layers) expect(l.sqnr).toBeGreaterThan(10);
  });
});
