import { call_method } from './dispatch.js';
import { alloc, type DType, type TypedArray } from './dtype.js';
import type { Quantizer } from './quantizer.js';

/** A node of the autograd tape: the op that produced a tensor and how to push a gradient back to its inputs. */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /** Gradients w.r.t. `inputs`, in order; null where an input needs none. */
  backward(grad_output: Tensor): (Tensor | null)[];
}

export type Shape = readonly number[];

export function shape_numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * How String(tensor) prints: PyTorch's format once runtime/tensor/tensor_str.ts is loaded (every entry but
 * fxq/inference loads it), else size and dtype only: the printer stays out of the inference bundle.
 */
let tensor_repr = (t: Tensor): string => `tensor(size=(${t.shape.join(', ')}), dtype=torch.${t.dtype})`;

/** Installs the printer (tensor_str.ts does, when imported). */
export function set_tensor_repr(repr: (t: Tensor) => string): void {
  tensor_repr = repr;
}

/**
 * A dense, contiguous, row-major n-d array. Views (reshape/view/flatten) share storage; every
 * other op returns new storage. Every method goes through `call_method`, so the tracer sees it.
 */
export class Tensor {
  protected _data: TypedArray;
  protected _shape: number[];
  readonly dtype: DType;
  /** Set on quantized tensors (dtype quint8/qint8/qint32). */
  quantizer: Quantizer | null = null;
  requires_grad = false;
  grad: Tensor | null = null;
  grad_fn: GradFn | null = null;

  constructor(data: TypedArray, shape: Shape, dtype: DType) {
    const n = shape_numel(shape);
    if (data.length !== n) {
      throw new Error(`Tensor: data has ${data.length} elements but shape [${shape.join(', ')}] needs ${n}`);
    }
    this._data = data;
    this._shape = [...shape];
    this.dtype = dtype;
  }

  /** The typed array holding the elements (row-major). */
  get data(): TypedArray {
    return this._data;
  }
  get shape(): number[] {
    return this._shape;
  }
  get ndim(): number {
    return this._shape.length;
  }
  get is_leaf(): boolean {
    return this.grad_fn === null;
  }
  get is_quantized(): boolean {
    return this.quantizer !== null;
  }
  numel(): number {
    return this._data.length;
  }
  dim(): number {
    return this._shape.length;
  }
  /** size() is the shape; size(d) one dimension (negative d counts from the end). */
  size(): number[];
  size(d: number): number;
  size(d?: number): number[] | number {
    if (d === undefined) return this.shape;
    return this.shape[d < 0 ? d + this.ndim : d];
  }

  /** A tensor sharing this one's storage with a new shape (contiguous, so always possible). */
  _view_as_shape(shape: Shape): Tensor {
    const t = new Tensor(this._data, shape, this.dtype);
    t.quantizer = this.quantizer;
    return t;
  }

  static empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(alloc(dtype, shape_numel(shape)), shape, dtype);
  }

  requires_grad_(flag = true): this {
    this.requires_grad = flag;
    return this;
  }
  item(): number {
    return call_method('item', this, []);
  }
  tolist(): unknown {
    return call_method('tolist', this, []);
  }
  /** The values as PyTorch prints them: `tensor([0.0112])` (runtime/tensor/tensor_str.ts, once loaded). */
  toString(): string {
    return tensor_repr(this);
  }
  /** console.log / util.inspect in Node show the same (a registered symbol, so no Node import). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // --- in-place writes (refused on tensors autograd tracks, as torch does for leaves)
  zero_(): this {
    return call_method('zero_', this, []);
  }
  fill_(value: number): this {
    return call_method('fill_', this, [value]);
  }
  /** Copies `src` into this tensor's storage, broadcasting and casting to this dtype. */
  copy_(src: Tensor): this {
    return call_method('copy_', this, [src]);
  }

  // --- autograd
  backward(gradient?: Tensor): void {
    call_method('backward', this, gradient === undefined ? [] : [gradient]);
  }
  detach(): Tensor {
    return call_method('detach', this, []);
  }

  // --- shape ops
  reshape(...shape: number[] | [number[]]): Tensor {
    return call_method('reshape', this, shape);
  }
  view(...shape: number[] | [number[]]): Tensor {
    return call_method('view', this, shape);
  }
  flatten(start_dim = 0, end_dim = -1): Tensor {
    return call_method('flatten', this, [start_dim, end_dim]);
  }
  permute(...dims: number[] | [number[]]): Tensor {
    return call_method('permute', this, dims);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return call_method('transpose', this, [dim0, dim1]);
  }
  t(): Tensor {
    return call_method('t', this, []);
  }
  squeeze(dim?: number): Tensor {
    return call_method('squeeze', this, dim === undefined ? [] : [dim]);
  }
  unsqueeze(dim: number): Tensor {
    return call_method('unsqueeze', this, [dim]);
  }
  expand(...shape: number[] | [number[]]): Tensor {
    return call_method('expand', this, shape);
  }
  contiguous(): Tensor {
    return call_method('contiguous', this, []);
  }
  clone(): Tensor {
    return call_method('clone', this, []);
  }
  select(dim: number, index: number): Tensor {
    return call_method('select', this, [dim, index]);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return call_method('narrow', this, [dim, start, length]);
  }
  split(split_size: number | number[], dim = 0): Tensor[] {
    return call_method('split', this, [split_size, dim]);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return call_method('chunk', this, [chunks, dim]);
  }
  /**
   * Basic indexing as in Python: one entry per leading dim — a number selects, [start, end?, step?]
   * slices (null/undefined = to the end, negatives count from the end), null keeps the dim whole.
   */
  index(...indices: (number | [number?, number?, number?] | null)[]): Tensor {
    return call_method('index', this, indices);
  }
  to(dtype: DType): Tensor {
    return call_method('to', this, [dtype]);
  }
  float(): Tensor {
    return call_method('to', this, ['float32']);
  }

  // --- elementwise
  add(other: Tensor | number, options?: { alpha?: number }): Tensor {
    return call_method('add', this, options === undefined ? [other] : [other, options]);
  }
  sub(other: Tensor | number, options?: { alpha?: number }): Tensor {
    return call_method('sub', this, options === undefined ? [other] : [other, options]);
  }
  mul(other: Tensor | number): Tensor {
    return call_method('mul', this, [other]);
  }
  div(other: Tensor | number): Tensor {
    return call_method('div', this, [other]);
  }
  pow(exponent: Tensor | number): Tensor {
    return call_method('pow', this, [exponent]);
  }
  neg(): Tensor {
    return call_method('neg', this, []);
  }
  abs(): Tensor {
    return call_method('abs', this, []);
  }
  exp(): Tensor {
    return call_method('exp', this, []);
  }
  log(): Tensor {
    return call_method('log', this, []);
  }
  sqrt(): Tensor {
    return call_method('sqrt', this, []);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return call_method('clamp', this, [min ?? null, max ?? null]);
  }
  relu(): Tensor {
    return call_method('relu', this, []);
  }
  sigmoid(): Tensor {
    return call_method('sigmoid', this, []);
  }
  tanh(): Tensor {
    return call_method('tanh', this, []);
  }
  matmul(other: Tensor): Tensor {
    return call_method('matmul', this, [other]);
  }
  softmax(dim: number): Tensor {
    return call_method('softmax', this, [dim]);
  }
  log_softmax(dim: number): Tensor {
    return call_method('log_softmax', this, [dim]);
  }
  eq(other: Tensor | number): Tensor {
    return call_method('eq', this, [other]);
  }
  ne(other: Tensor | number): Tensor {
    return call_method('ne', this, [other]);
  }
  gt(other: Tensor | number): Tensor {
    return call_method('gt', this, [other]);
  }
  lt(other: Tensor | number): Tensor {
    return call_method('lt', this, [other]);
  }
  ge(other: Tensor | number): Tensor {
    return call_method('ge', this, [other]);
  }
  le(other: Tensor | number): Tensor {
    return call_method('le', this, [other]);
  }
  /** x.where(condition, other): x where condition holds, else other (torch.where(condition, x, other)). */
  where(condition: Tensor, other: Tensor | number): Tensor {
    return call_method('where', this, [condition, other]);
  }

  // --- reductions (dim may be a number or a list; keepdim as in torch)
  sum(dim?: number | number[] | null, keepdim = false): Tensor {
    return call_method('sum', this, [dim ?? null, keepdim]);
  }
  mean(dim?: number | number[] | null, keepdim = false): Tensor {
    return call_method('mean', this, [dim ?? null, keepdim]);
  }
  /** max() is the global max; max(dim) returns [values, indices] as torch does. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): [Tensor, Tensor];
  max(dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
    return call_method('max', this, dim === undefined ? [] : [dim, keepdim]);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): [Tensor, Tensor];
  min(dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
    return call_method('min', this, dim === undefined ? [] : [dim, keepdim]);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return call_method('argmax', this, dim === undefined ? [] : [dim, keepdim]);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return call_method('argmin', this, dim === undefined ? [] : [dim, keepdim]);
  }
  /** Variance over dims; options { correction = 1, keepdim = false } as torch's keywords. */
  var(
    dim?: number | number[] | null,
    options?: { correction?: number; unbiased?: boolean; keepdim?: boolean },
  ): Tensor {
    return call_method('var', this, options === undefined ? [dim ?? null] : [dim ?? null, options]);
  }
  std(
    dim?: number | number[] | null,
    options?: { correction?: number; unbiased?: boolean; keepdim?: boolean },
  ): Tensor {
    return call_method('std', this, options === undefined ? [dim ?? null] : [dim ?? null, options]);
  }

  // --- quantized tensors
  dequantize(): Tensor {
    return call_method('dequantize', this, []);
  }
  int_repr(): Tensor {
    return call_method('int_repr', this, []);
  }
  q_scale(): number {
    const q = this.quantizer;
    if (q?.kind !== 'per_tensor')
      throw new Error(
        `q_scale(): a ${this.dtype} tensor of shape [${this.shape.join(', ')}] is not a per-tensor quantized tensor`,
      );
    return q.scale;
  }
  q_zero_point(): number {
    const q = this.quantizer;
    if (q?.kind !== 'per_tensor')
      throw new Error(
        `q_zero_point(): a ${this.dtype} tensor of shape [${this.shape.join(', ')}] is not a per-tensor quantized tensor`,
      );
    return q.zero_point;
  }
  q_per_channel_scales(): Tensor {
    const q = this.quantizer;
    if (q?.kind !== 'per_channel')
      throw new Error(
        `q_per_channel_scales(): a ${this.dtype} tensor of shape [${this.shape.join(', ')}] is not per-channel quantized`,
      );
    return new Tensor(Float32Array.from(q.scales), [q.scales.length], 'float32');
  }
  q_per_channel_zero_points(): Tensor {
    const q = this.quantizer;
    if (q?.kind !== 'per_channel')
      throw new Error(
        `q_per_channel_zero_points(): a ${this.dtype} tensor of shape [${this.shape.join(', ')}] is not per-channel quantized`,
      );
    return new Tensor(Int32Array.from(q.zero_points), [q.zero_points.length], 'int32');
  }
  q_per_channel_axis(): number {
    const q = this.quantizer;
    if (q?.kind !== 'per_channel')
      throw new Error(
        `q_per_channel_axis(): a ${this.dtype} tensor of shape [${this.shape.join(', ')}] is not per-channel quantized`,
      );
    return q.axis;
  }
}
