/**
 * Where the CLI's and the sensitivity workers' model inputs come from, for any model (not only 1×28×28
 * Fashion-MNIST):
 *   --data FILE|DIR   a Fashion-MNIST IDX directory; an IDX images file (.idx / .idx.gz / *-idx3-ubyte[.gz])
 *                     with its labels from --labels or the sibling named *labels* / idx1; a .npy (labels
 *                     from --labels FILE.npy); a .safetensors file with `images` (or `inputs`, `x`) and
 *                     optionally `labels` (or `targets`, `y`).
 *   --input-shape     random N(0, 1) inputs of that shape (seeded), for bench / calibration without data.
 *   neither           the model file's example_inputs(); Fashion-MNIST when they are N×1×28×28.
 * uint8 data is scaled to [0, 1]; a rank-3 [N, H, W] file feeds a 4-d input as [N, 1, H, W].
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { no_grad } from '../../runtime/autograd/grad_mode.js';
import { read_idx } from '../../runtime/io/node/idx_file.js';
import { load_npy } from '../../runtime/io/node/npy_file.js';
import { load_safetensors } from '../../runtime/io/node/safetensors_file.js';
import type { Module } from '../../runtime/nn/module.js';
import { randn } from '../../runtime/tensor/creation.js';
import { Generator } from '../../runtime/tensor/random.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { DEFAULT_DATA_DIR, load_calibration, load_images } from '../sensitivity/node/data.js';

/** Bad --data / --labels / --input-shape (the CLI's exit code 2). */
export class InputError extends Error {}

/** Inputs (one tensor per model input, each [N, …]) and, when known, their labels. */
export interface InputSet {
  inputs: Tensor[];
  labels?: Int32Array;
  n: number;
  /** Where they came from, for reports. */
  source: string;
}

/** The options that choose the inputs. */
export interface InputOptions {
  data?: string;
  labels?: string;
  inputShape?: string;
}

const IMAGE_KEYS = ['images', 'inputs', 'x'];
const LABEL_KEYS = ['labels', 'targets', 'y'];

/** Parses `--input-shape 1,3,32,32`. */
export function parse_shape(s: string): number[] {
  const dims = s.split(/[,x×]/).map((d) => Number(d.trim()));
  if (!dims.length || dims.some((d) => !Number.isInteger(d) || d < 1))
    throw new InputError(`--input-shape must be positive integers separated by commas (1,3,32,32), got '${s}'`);
  return dims;
}

function to_labels(t: Tensor, file: string, n: number): Int32Array {
  if (t.dtype === 'float32' || t.is_quantized)
    throw new InputError(`labels in ${file} must be integers (int64, int32, uint8), got ${t.dtype}`);
  if (t.ndim !== 1 || t.shape[0] !== n)
    throw new InputError(`labels in ${file} must have shape [${n}] (one per input row), got [${t.shape.join(', ')}]`);
  return Int32Array.from(t.data as ArrayLike<number>);
}

function read_tensor(file: string): Tensor {
  if (!existsSync(file)) throw new InputError(`data file not found: ${file}`);
  if (file.endsWith('.npy')) return load_npy(file);
  return read_idx(file);
}

/** The MNIST-convention labels file next to an IDX images file (train-images-idx3 → train-labels-idx1). */
function sibling_labels(file: string): string | undefined {
  const name = basename(file).replace('images', 'labels').replace('idx3', 'idx1');
  const p = join(dirname(file), name);
  return name !== basename(file) && existsSync(p) ? p : undefined;
}

/** Reads a --data file (and --labels) into an InputSet. */
export function read_data_file(file: string, labels_file?: string): InputSet {
  if (file.endsWith('.safetensors')) {
    if (!existsSync(file)) throw new InputError(`data file not found: ${file}`);
    const t = load_safetensors(file);
    const keys = Object.keys(t);
    const ik = IMAGE_KEYS.find((k) => k in t);
    if (!ik)
      throw new InputError(
        `${file} has no inputs tensor: expected a key ${IMAGE_KEYS.map((k) => `'${k}'`).join(' / ')}, found ${keys.map((k) => `'${k}'`).join(', ') || 'none'}`,
      );
    const n = t[ik].shape[0];
    const lk = LABEL_KEYS.find((k) => k in t);
    const labels = labels_file
      ? to_labels(read_tensor(labels_file), labels_file, n)
      : lk
        ? to_labels(t[lk], `${file} '${lk}'`, n)
        : undefined;
    return { inputs: [t[ik]], labels, n, source: `${file} '${ik}'` };
  }
  if (!/\.(npy|idx|gz|[a-z0-9]*-ubyte)$/.test(file))
    throw new InputError(
      `--data ${file}: unknown format (a Fashion-MNIST directory, .idx / .idx.gz, .npy or .safetensors)`,
    );
  const x = read_tensor(file);
  if (x.ndim < 1) throw new InputError(`${file} holds a scalar; inputs need a leading batch dimension`);
  const lf = labels_file ?? (file.endsWith('.npy') ? undefined : sibling_labels(file));
  const labels = lf ? to_labels(read_tensor(lf), lf, x.shape[0]) : undefined;
  return { inputs: [x], labels, n: x.shape[0], source: lf ? `${file} + ${basename(lf)}` : file };
}

/** True when `dir` holds Fashion-MNIST IDX files. */
function is_fmnist_dir(dir: string): boolean {
  return readdirSync(dir).some((f) => f.startsWith('t10k-images') || f.startsWith('train-images'));
}

/** Converts a data tensor to what the model's input `like` (an example input) expects: float, its rank. */
export function adapt(x: Tensor, like: Tensor | undefined, source: string): Tensor {
  let t = x;
  if (t.dtype === 'uint8')
    t = new Tensor(
      Float32Array.from(t.data as Uint8Array, (v) => v / 255),
      t.shape,
      'float32',
    );
  else if (t.dtype !== 'float32') t = new Tensor(Float32Array.from(t.data as ArrayLike<number>), t.shape, 'float32');
  if (!like) return t;
  if (t.ndim === like.ndim - 1) t = new Tensor(t.data, [t.shape[0], 1, ...t.shape.slice(1)], t.dtype); // tensors are dense row-major
  const want = like.shape.slice(1);
  const have = t.shape.slice(1);
  if (want.length !== have.length || want.some((d, i) => d !== have[i]))
    throw new InputError(
      `${source}: rows of shape [${have.join(', ')}] do not fit the model's example input [N, ${want.join(', ')}]`,
    );
  return t;
}

/** Rows [start, start + count) of every input (copies). */
export function slice_rows(set: InputSet, start: number, count: number): Tensor[] {
  return set.inputs.map((t) => {
    const per = t.numel() / t.shape[0];
    return new Tensor(t.data.slice(start * per, (start + count) * per), [count, ...t.shape.slice(1)], t.dtype);
  });
}

/** Exactly `b` rows: the first b, repeating the set when it has fewer (bench batch sizes). */
export function batch_of(set: InputSet, b: number): Tensor[] {
  return set.inputs.map((t) => {
    const per = t.numel() / t.shape[0];
    const src = t.data as Float32Array;
    const out = new Float32Array(b * per);
    for (let i = 0; i < b; i++) out.set(src.subarray((i % t.shape[0]) * per, ((i % t.shape[0]) + 1) * per), i * per);
    return new Tensor(out, [b, ...t.shape.slice(1)], 'float32');
  });
}

/** Batches of rows, each an argument list for model.call. */
export function* batches(set: InputSet, size: number): IterableIterator<Tensor[]> {
  for (let s = 0; s < set.n; s += size) yield slice_rows(set, s, Math.min(size, set.n - s));
}

function is_fmnist_shape(like: Tensor[] | undefined): boolean {
  if (!like) return true; // an int8 model with no recorded inputs: the historical default
  return like.length === 1 && like[0] instanceof Tensor && like[0].shape.slice(1).join() === '1,28,28';
}

/** Rows [offset, offset + count) of `set`, clamped to what it holds (noted on stderr by `note`). */
function window(set: InputSet, count: number, offset: number, note: (m: string) => void): InputSet {
  if (offset >= set.n) throw new InputError(`--eval-offset ${offset}: ${set.source} has only ${set.n} rows`);
  const m = Math.min(count, set.n - offset);
  if (m < count) note(`using the ${m} rows of ${set.source} from row ${offset} (${count} asked)`);
  const inputs = slice_rows(set, offset, m);
  return {
    inputs,
    labels: set.labels?.subarray(offset, offset + m),
    n: m,
    source: `rows [${offset}, ${offset + m}) of ${set.source}`,
  };
}

/**
 * The inputs for `role`: calibration (the first `count` rows; Fashion-MNIST: training images) or
 * evaluation (rows [offset, offset + count); Fashion-MNIST: test images). `example` are the model's
 * example inputs (undefined for a saved int8 model).
 */
export function input_set(
  o: InputOptions,
  role: 'calibration' | 'evaluation',
  count: number,
  offset: number,
  example: Tensor[] | undefined,
  note: (m: string) => void,
): InputSet {
  const like = example?.[0];
  const fmnist = (dir: string): InputSet => {
    const s = role === 'calibration' ? load_calibration(dir, count) : load_images(dir, 'test', count, offset);
    return { inputs: [adapt(s.images, like, dir)], labels: s.labels, n: count, source: s.source };
  };
  if (o.data) {
    if (!existsSync(o.data)) throw new InputError(`--data ${o.data} does not exist`);
    if (statSync(o.data).isDirectory()) {
      if (!is_fmnist_dir(o.data))
        throw new InputError(
          `--data ${o.data}: a directory must hold Fashion-MNIST IDX files (t10k-images-idx3-ubyte…)`,
        );
      return fmnist(o.data);
    }
    if (example && example.length !== 1)
      throw new InputError(`--data feeds one input, but the model's example_inputs() has ${example.length}`);
    const set = read_data_file(o.data, o.labels);
    const adapted = { ...set, inputs: [adapt(set.inputs[0], like, o.data)] };
    return window(adapted, count, role === 'calibration' ? 0 : offset, note);
  }
  if (o.labels) throw new InputError('--labels needs --data (the inputs they label)');
  if (o.inputShape) {
    const shape = parse_shape(o.inputShape);
    const x = randn(shape, { generator: new Generator(0) });
    return { inputs: [x], n: shape[0], source: `random N(0, 1) inputs [${shape.join(', ')}]` };
  }
  if (is_fmnist_shape(example)) return fmnist(DEFAULT_DATA_DIR);
  const ex = example as Tensor[];
  if (!ex.every((t) => t instanceof Tensor && t.ndim >= 1))
    throw new InputError('example_inputs() must return tensors with a batch dimension for the CLI to feed them');
  return { inputs: ex, n: ex[0].shape[0], source: 'the example inputs' };
}

/** Top-1 predictions of a model returning [N, classes] logits (dequantized when int8), in batches of 250. */
export function predict_set(model: Module, set: InputSet, on_batch?: (done: number) => void): Int32Array {
  const out = new Int32Array(set.n);
  let s = 0;
  no_grad(() => {
    for (const args of batches(set, 250)) {
      const m = args[0].shape[0];
      let y = model.call(...args) as Tensor;
      if (!(y instanceof Tensor) || y.ndim !== 2 || y.shape[0] !== m)
        throw new Error(
          `the model must return [N, classes] logits; got ${y instanceof Tensor ? `[${y.shape.join(', ')}]` : typeof y} for a batch of ${m}`,
        );
      if (y.is_quantized) y = y.dequantize();
      const d = y.data as ArrayLike<number>;
      const c = y.shape[1];
      for (let i = 0; i < m; i++) {
        let best = 0;
        for (let k = 1; k < c; k++) if (d[i * c + k] > d[i * c + best]) best = k;
        out[s + i] = best;
      }
      s += m;
      on_batch?.(s);
    }
  });
  return out;
}

/** The labels of `set`, or an InputError saying how to give them (`hint`: e.g. the evaluate() hook). */
export function labels_of(set: InputSet, what: string, hint = ''): Int32Array {
  if (!set.labels)
    throw new InputError(
      `${what} needs labelled inputs and ${set.source} has no labels: pass --data (an IDX images/labels pair, a .npy with --labels, a .safetensors with 'labels')${hint}`,
    );
  return set.labels;
}

/** Fraction of `set` the model classifies as its labels. */
export function top1(model: Module, set: InputSet, what: string, hint = '', on_batch?: (done: number) => void): number {
  const labels = labels_of(set, what, hint);
  const p = predict_set(model, set, on_batch);
  let ok = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === labels[i]) ok++;
  return ok / set.n;
}
