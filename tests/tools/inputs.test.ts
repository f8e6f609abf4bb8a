// The CLI's input reader in-process: formats, label checks, shape adaptation and batching, each bad
// input an InputError naming the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { serialize_idx } from '../../runtime/io/idx.js';
import { serialize_npy } from '../../runtime/io/npy.js';
import { serialize_safetensors } from '../../runtime/io/safetensors.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { adapt, batch_of, InputError, input_set, parse_shape, read_data_file } from '../../tools/node/inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const f = (name: string, bytes: Uint8Array) => {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
};
const px = new Tensor(
  Uint8Array.from({ length: 5 * 4 * 4 }, (_, i) => i % 256),
  [5, 4, 4],
  'uint8',
);
const lab = (n: number, dtype: 'int64' | 'float32' = 'int64') =>
  new Tensor(dtype === 'int64' ? Float64Array.from({ length: n }, (_, i) => i % 3) : new Float32Array(n), [n], dtype);
const values = (t: Tensor) => Array.from(t.data as ArrayLike<number>);

describe('read_data_file', () => {
  it('safetensors with images/labels, npy with --labels, an IDX pair found by name', () => {
    const st = read_data_file(f('d.safetensors', serialize_safetensors({ inputs: px, targets: lab(5) })));
    expect([st.n, st.inputs[0].shape, Array.from(st.labels ?? [])]).toEqual([5, [5, 4, 4], [0, 1, 2, 0, 1]]);
    const np = read_data_file(f('x.npy', serialize_npy(px)), f('y.npy', serialize_npy(lab(5))));
    expect(Array.from(np.labels ?? [])).toEqual([0, 1, 2, 0, 1]);
    f('a-labels-idx1-ubyte.gz', gzipSync(serialize_idx(new Tensor(Uint8Array.from([2, 2, 1, 0, 0]), [5], 'uint8'))));
    const idx = read_data_file(f('a-images-idx3-ubyte.gz', gzipSync(serialize_idx(px))));
    expect([
      idx.source.endsWith('a-images-idx3-ubyte.gz + a-labels-idx1-ubyte.gz'),
      Array.from(idx.labels ?? []),
    ]).toEqual([true, [2, 2, 1, 0, 0]]);
    expect(read_data_file(f('b.idx', serialize_idx(px))).labels).toBeUndefined();
  });

  it('refuses bad labels and files, naming them', () => {
    const x = f('x2.npy', serialize_npy(px));
    expect(() => read_data_file(x, f('short.npy', serialize_npy(lab(4))))).toThrow(
      /labels in .*short\.npy must have shape \[5\] \(one per input row\), got \[4\]/,
    );
    expect(() => read_data_file(x, f('float.npy', serialize_npy(lab(5, 'float32'))))).toThrow(
      /labels in .*float\.npy must be integers/,
    );
    expect(() => read_data_file(f('k.safetensors', serialize_safetensors({ pixels: px })))).toThrow(
      /k\.safetensors has no inputs tensor: expected a key 'images' \/ 'inputs' \/ 'x', found 'pixels'/,
    );
    expect(() => read_data_file(join(dir, 'nope.npy'))).toThrow(InputError);
    expect(() => read_data_file(f('t.txt', new Uint8Array(1)))).toThrow(/t\.txt: unknown format/);
  });
});

describe('adapt, batch_of, input_set', () => {
  it('uint8 scales to [0, 1]; [N, H, W] rows gain a channel; a mismatch names the source', () => {
    const like = new Tensor(new Float32Array(16), [1, 1, 4, 4], 'float32');
    const a = adapt(px, like, 'x.npy');
    expect(a.shape).toEqual([5, 1, 4, 4]);
    expect(a.dtype).toBe('float32');
    expect(values(a).slice(0, 3)).toEqual([0, Math.fround(1 / 255), Math.fround(2 / 255)]);
    const rgb = new Tensor(new Float32Array(3 * 16), [1, 3, 4, 4], 'float32');
    expect(() => adapt(px, rgb, 'x.npy')).toThrow(
      /x\.npy: rows of shape \[1, 4, 4\] do not fit the model's example input \[N, 3, 4, 4\]/,
    );
  });

  it('batch_of repeats rows to fill a batch; --input-shape is seeded; windows clamp with a note', () => {
    const set = { inputs: [new Tensor(Float32Array.from([1, 2, 3, 4]), [2, 2], 'float32')], n: 2, source: 's' };
    expect(values(batch_of(set, 3)[0])).toEqual([1, 2, 3, 4, 1, 2]);
    const a = input_set({ inputShape: '2,3' }, 'calibration', 10, 0, undefined, () => {});
    const b = input_set({ inputShape: '2x3' }, 'calibration', 10, 0, undefined, () => {});
    expect(a.inputs[0].shape).toEqual([2, 3]);
    expect(values(a.inputs[0])).toEqual(values(b.inputs[0]));
    expect(() => parse_shape('1,0,3')).toThrow(/--input-shape must be positive integers/);
    const notes: string[] = [];
    const w = input_set({ data: join(dir, 'd.safetensors') }, 'evaluation', 10, 2, undefined, (m) => notes.push(m));
    expect([w.n, Array.from(w.labels ?? [])]).toEqual([3, [2, 0, 1]]);
    expect(notes[0]).toMatch(/using the 3 rows of .*d\.safetensors 'inputs' from row 2 \(10 asked\)/);
    expect(() => input_set({ labels: 'y.npy' }, 'evaluation', 1, 0, undefined, () => {})).toThrow(
      /--labels needs --data/,
    );
  });
});
