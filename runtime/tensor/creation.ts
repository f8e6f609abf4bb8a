import { define_function } from './dispatch.js';
import { alloc, type DType, storage_ctor } from './dtype.js';
import { default_generator, Generator } from './random.js';
import { type Shape, shape_numel, Tensor } from './tensor.js';

export interface TensorOptions {
  dtype?: DType;
  requires_grad?: boolean;
}

type NestedNumbers = number | readonly NestedNumbers[];

function infer_shape(data: NestedNumbers): number[] {
  const shape: number[] = [];
  let cur: NestedNumbers = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = (cur as readonly NestedNumbers[])[0] ?? 0;
  }
  return shape;
}

function flatten_nested(data: NestedNumbers, out: number[]): void {
  if (Array.isArray(data)) for (const d of data as readonly NestedNumbers[]) flatten_nested(d, out);
  else out.push(data as number);
}

/**
 * torch.tensor: from a (nested) array, a typed array or a number. A flat array or typed array
 * takes `shape` to give it dimensions; a typed array is used as storage without a copy when its type fits.
 */
export function tensor(
  data: NestedNumbers | ArrayLike<number>,
  options: TensorOptions & { shape?: Shape } = {},
): Tensor {
  const dtype = options.dtype ?? 'float32';
  let flat: ArrayLike<number>;
  let shape: number[];
  if (typeof data === 'number') {
    flat = [data];
    shape = [];
  } else if (ArrayBuffer.isView(data)) {
    flat = data as unknown as ArrayLike<number>;
    shape = [flat.length];
  } else {
    shape = infer_shape(data as NestedNumbers);
    const out: number[] = [];
    flatten_nested(data as NestedNumbers, out);
    flat = out;
  }
  if (options.shape) {
    if (shape_numel(options.shape) !== flat.length) {
      throw new Error(`tensor: ${flat.length} values do not fill shape [${options.shape.join(', ')}]`);
    }
    shape = [...options.shape];
  } else if (shape_numel(shape) !== flat.length) {
    throw new Error(
      `tensor: nested array is ragged (expected ${shape_numel(shape)} values for [${shape}], got ${flat.length})`,
    );
  }
  const ctor = storage_ctor(dtype);
  const storage = flat instanceof ctor ? flat : ctor.from(flat);
  const t = new Tensor(storage, shape, dtype);
  if (options.requires_grad) t.requires_grad = true;
  return t;
}

function filled(shape: Shape, value: number, options: TensorOptions): Tensor {
  const dtype = options.dtype ?? 'float32';
  const data = alloc(dtype, shape_numel(shape));
  if (value !== 0) data.fill(value);
  const t = new Tensor(data, shape, dtype);
  if (options.requires_grad) t.requires_grad = true;
  return t;
}

function as_shape(shape: readonly (number | readonly number[])[]): number[] {
  return shape.length === 1 && Array.isArray(shape[0]) ? [...shape[0]] : (shape as number[]);
}

export const zeros = define_function('zeros', (shape: Shape, options: TensorOptions = {}) => filled(shape, 0, options));
export const ones = define_function('ones', (shape: Shape, options: TensorOptions = {}) => filled(shape, 1, options));
export const full = define_function('full', (shape: Shape, value: number, options: TensorOptions = {}) =>
  filled(shape, value, options),
);
export const zeros_like = define_function('zeros_like', (t: Tensor, options: TensorOptions = {}) =>
  filled(t.shape, 0, { dtype: t.dtype, ...options }),
);
export const ones_like = define_function('ones_like', (t: Tensor, options: TensorOptions = {}) =>
  filled(t.shape, 1, { dtype: t.dtype, ...options }),
);
export const full_like = define_function('full_like', (t: Tensor, value: number, options: TensorOptions = {}) =>
  filled(t.shape, value, { dtype: t.dtype, ...options }),
);

/** torch.arange(end) or arange(start, end, step). */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new Error('arange: step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? (Number.isInteger(start) && Number.isInteger(step) ? 'int64' : 'float32');
  const data = alloc(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n], dtype);
}

/** torch.linspace(start, end, steps). */
export function linspace(start: number, end: number, steps: number): Tensor {
  const data = new Float32Array(steps);
  for (let i = 0; i < steps; i++) data[i] = steps === 1 ? start : start + ((end - start) * i) / (steps - 1);
  return new Tensor(data, [steps], 'float32');
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

/** Uniform [0, 1) samples; seeded through `manual_seed` or a `Generator`. */
export function rand(shape: Shape | number[], options: RandomOptions = {}): Tensor {
  const g = options.generator ?? default_generator;
  const t = filled(as_shape(shape), 0, options);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = g.random();
  return t;
}

/** Standard normal samples. */
export function randn(shape: Shape | number[], options: RandomOptions = {}): Tensor {
  const g = options.generator ?? default_generator;
  const t = filled(as_shape(shape), 0, options);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = g.normal();
  return t;
}

/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: Shape, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? default_generator;
  const t = filled(shape, 0, { dtype: 'int64', ...options });
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = low + Math.floor(g.random() * (high - low));
  return t;
}

/** A random permutation of 0..n-1 (Fisher-Yates). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? default_generator;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.random() * (i + 1));
    const tmp = d[i];
    d[i] = d[j];
    d[j] = tmp;
  }
  return new Tensor(d, [n], 'int64');
}

export { Generator };
