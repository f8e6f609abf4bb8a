// A 3-channel, 4-class model (not Fashion-MNIST) through quantize / eval / bench / compare in a
// "type": "commonjs" temporary project, with data as safetensors, .npy + labels and an IDX pair. The
// labels are the float model's own predictions, so the float accuracy must be exactly 100% whichever
// format carries the rows: any misaligned row, label or channel shows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { no_grad } from '../../runtime/autograd/grad_mode.js';
import { serialize_idx } from '../../runtime/io/idx.js';
import { serialize_npy } from '../../runtime/io/npy.js';
import { serialize_safetensors } from '../../runtime/io/safetensors.js';
import { randn } from '../../runtime/tensor/creation.js';
import { Generator } from '../../runtime/tensor/random.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { fxq, make_project, REPO, TINY } from './_spawn.js';
import create from './fixtures/rgb_cnn.js';

const N = 48;
const dir = mkdtempSync(join(tmpdir(), 'fxq-any-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (args: string[]) => fxq(args, dir);

let labels: Int32Array;
beforeAll(() => {
  make_project(dir, 'commonjs');
  const src = readFileSync(join(REPO, 'tests/cli/fixtures/rgb_cnn.ts'), 'utf8');
  writeFileSync(join(dir, 'rgb.ts'), src.replace("'../../../index.js'", "'fxq'"));
  // seeded N(0, 2²) rows (this random model splits them over two classes) and the float model's labels
  const r = randn([N, 3, 16, 16], { generator: new Generator(1) });
  const x = new Tensor(
    Float32Array.from(r.data as Float32Array, (v) => 2 * v),
    [N, 3, 16, 16],
    'float32',
  );
  const y = no_grad(() => create().eval().call(x) as Tensor);
  labels = new Int32Array(N);
  const d = y.data as Float32Array;
  for (let i = 0; i < N; i++) for (let k = 1; k < 4; k++) if (d[i * 4 + k] > d[i * 4 + labels[i]]) labels[i] = k;
  const lab64 = new Tensor(Float64Array.from(labels), [N], 'int64');
  writeFileSync(join(dir, 'data.safetensors'), serialize_safetensors({ images: x, labels: lab64 }));
  writeFileSync(join(dir, 'x.npy'), serialize_npy(x));
  writeFileSync(join(dir, 'y.npy'), serialize_npy(lab64));
  const u8 = new Tensor(Uint8Array.from(labels), [N], 'uint8');
  writeFileSync(join(dir, 'rgb-images-idx3-ubyte.gz'), gzipSync(serialize_idx(x)));
  writeFileSync(join(dir, 'rgb-labels-idx1-ubyte.gz'), gzipSync(serialize_idx(u8)));
});

describe('the CLI on a 3-channel model in a commonjs project', () => {
  it('quantize (calibrating on --data), eval of the int8 file, bench, compare', async () => {
    const q = await run([
      'quantize',
      'rgb.ts',
      '-o',
      'rgb_int8.safetensors',
      '--data',
      'data.safetensors',
      '--calib-images',
      '32',
      '--json',
    ]);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toMatchObject({ mode: 'static', out: 'rgb_int8.safetensors' });
    const [ev, bf, bq, cmp] = await Promise.all([
      run(['eval', 'rgb_int8.safetensors', '--data', 'data.safetensors', '--json']),
      run(['bench', 'rgb.ts', '--batch', '1,3', '--runs', '2', '--json']),
      run(['bench', 'rgb_int8.safetensors', '--input-shape', '1,3,16,16', '--batch', '2', '--runs', '2', '--json']),
      run([
        'compare',
        'rgb.ts',
        '--data',
        'x.npy',
        '--labels',
        'y.npy',
        '--calib-images',
        '16',
        '--eval-images',
        '20',
        '--json',
      ]),
    ]);
    for (const r of [ev, bf, bq, cmp]) expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(ev.stdout);
    // asked for the default 2000 rows: the file's 48 are used, and the clamp is said on stderr
    expect(e).toMatchObject({ kind: 'quantized', images: N, source: `rows [0, ${N}) of data.safetensors 'images'` });
    expect(ev.stderr).toContain(`using the ${N} rows of data.safetensors 'images'`);
    expect(e.accuracy).toBeGreaterThanOrEqual(0.75); // int8 agrees with float on most rows
    const b = JSON.parse(bf.stdout);
    expect(b.source).toBe('the example inputs');
    expect(b.rows.map((r: { batch: number }) => r.batch)).toEqual([1, 3]);
    expect(JSON.parse(bq.stdout).source).toBe('random N(0, 1) inputs [1, 3, 16, 16]');
    const c = JSON.parse(cmp.stdout);
    expect(c.images).toBe(20);
    expect(c.layers.map((l: { node: string }) => l.node)).toEqual(expect.arrayContaining(['conv1', 'conv2', 'fc']));
    for (const l of c.layers) expect(l.sqnr).toBeGreaterThan(10);
  });

  it('float accuracy is exactly 100% from safetensors, .npy + --labels and an IDX pair', async () => {
    const runs = await Promise.all([
      run(['eval', 'rgb.ts', '--data', 'data.safetensors', '--json']),
      run([
        'eval',
        'rgb.ts',
        '--data',
        'x.npy',
        '--labels',
        'y.npy',
        '--eval-images',
        '40',
        '--eval-offset',
        '8',
        '--json',
      ]),
      run(['eval', 'rgb.ts', '--data', 'rgb-images-idx3-ubyte.gz', '--json']),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const [st, np, idx] = runs.map((r) => JSON.parse(r.stdout));
    expect([st.accuracy, np.accuracy, idx.accuracy]).toEqual([1, 1, 1]);
    expect([st.images, np.images, idx.images]).toEqual([N, 40, N]);
    expect(np.source).toBe('rows [8, 48) of x.npy + y.npy');
    expect(idx.source).toBe(`rows [0, ${N}) of rgb-images-idx3-ubyte.gz + rgb-labels-idx1-ubyte.gz`);
    expect(new Set(labels).size).toBeGreaterThan(1); // the labels are not all one class
  });

  it('sensitivity (on a worker thread) and report take the same data', async () => {
    const [sens, rep] = await Promise.all([
      run(['sensitivity', 'rgb.ts', '--data', 'data.safetensors', '--workers', '1', '--calib-images', '16', '--json']),
      run([
        'report',
        'rgb.ts',
        '--data',
        'data.safetensors',
        '--no-sensitivity',
        '-o',
        'r.html',
        '--calib-images',
        '16',
      ]),
    ]);
    expect(sens.code, sens.stderr).toBe(0);
    expect(rep.code, rep.stderr).toBe(0);
    const j = JSON.parse(sens.stdout);
    expect(j.fp32_accuracy).toBe(1); // the labels are the float model's predictions
    expect(j.rows.map((r: { layer: string }) => r.layer).sort()).toEqual(['conv1', 'conv2', 'fc']);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toContain(`rows [0, ${N}) of data.safetensors`);
    expect(html).toContain('100.00%');
  });

  it('bad data exits 2 naming the file and what is wrong', async () => {
    writeFileSync(join(dir, 'nolabels.safetensors'), readFileSync(join(dir, 'data.safetensors')));
    const [shape, nolabel, keys, fmt, tiny] = await Promise.all([
      run(['eval', 'rgb.ts', '--input-shape', '1,3,16,16']),
      run(['eval', 'rgb.ts', '--data', 'x.npy']),
      run(['eval', 'rgb.ts', '--data', 'y.npy', '--labels', 'y.npy']),
      run(['eval', 'rgb.ts', '--data', 'package.json']),
      fxq(['eval', TINY, '--no-weights', '--data', join(dir, 'data.safetensors')]),
    ]);
    for (const r of [shape, nolabel, keys, fmt, tiny]) expect(r.code, r.stderr).toBe(2);
    // a saved int8 model records no example inputs: fed the Fashion-MNIST default, it fails and says what to pass
    const noshape = await run(['bench', 'rgb_int8.safetensors', '--batch', '1', '--runs', '1']);
    expect(noshape.code).toBe(1);
    expect(noshape.stderr).toMatch(
      /must be \[N, 3, H, W\][\s\S]*records no example inputs[\s\S]*pass --input-shape N,C,H,W or --data/,
    );
    expect(shape.stderr).toMatch(
      /eval needs labelled inputs and random N\(0, 1\) inputs \[1, 3, 16, 16\] has no labels/,
    );
    expect(nolabel.stderr).toMatch(/eval needs labelled inputs and rows \[0, 48\) of x\.npy has no labels/);
    expect(keys.stderr).toMatch(/y\.npy: rows of shape \[\] do not fit the model's example input \[N, 3, 16, 16\]/);
    expect(fmt.stderr).toMatch(/--data package\.json: unknown format/);
    expect(tiny.stderr).toMatch(
      /data\.safetensors: rows of shape \[3, 16, 16\] do not fit the model's example input \[N, 1, 28, 28\]/,
    );
  });
});
