/**
 * Packed weights of quantized Linear / Conv2d, as torch's LinearPackedParams / Conv2dPackedParams:
 * the qint8 weight tensor, the float bias and (for conv) the geometry. Each backend's packed layout
 * is made once (eagerly for the current backend at construction, lazily for another one) and cached.
 * A deep copy copies the weight, bias and geometry but not the cache: a wasm layout lives in (and is
 * freed from) one instance's memory, so the copy packs its own on first use.
 */
import { get_backend } from '../backends/registry.js';
import type { Backend, PackedQWeight, QWeightSource } from '../backends/types.js';
import { type DeepcopyMemo, deepcopy } from '../nn/utils/deepcopy.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from './qtensor.js';

function weight_source(weight: Tensor, bias: Tensor | null, where: string): QWeightSource {
  if (!(weight instanceof Tensor) || weight.dtype !== 'qint8' || !weight.quantizer) {
    throw new Error(`${where}: weight must be a qint8 quantized tensor, got ${describe(weight)}`);
  }
  const n = weight.shape[0];
  const k = n > 0 ? weight.numel() / n : 0;
  const q = weight.quantizer;
  let scales: Float32Array;
  let zero_points: Int32Array;
  if (q.kind === 'per_tensor') {
    scales = Float32Array.of(q.scale);
    zero_points = Int32Array.of(q.zero_point);
  } else {
    if (q.axis !== 0)
      throw new Error(
        `${where}: per-channel weight must be quantized along axis 0 (output channels), got axis ${q.axis}`,
      );
    scales = Float32Array.from(q.scales);
    zero_points = Int32Array.from(q.zero_points);
  }
  let b: Float32Array | null = null;
  if (bias !== null) {
    if (!(bias instanceof Tensor) || bias.dtype !== 'float32' || bias.ndim !== 1 || bias.shape[0] !== n) {
      throw new Error(`${where}: bias must be a float32 tensor [${n}], got ${describe(bias)}`);
    }
    b = bias.data as Float32Array;
  }
  return { data: weight.data as Int8Array, n, k, scales, zero_points, bias: b };
}

/**
 * What both packed-params classes share: the qint8 weight, the float bias and the per-backend cache of
 * packed layouts. Subclasses validate their geometry, then call packed() to prepack for the current backend.
 */
abstract class QWeightPacks {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  private readonly packs = new Map<string, PackedQWeight>();

  protected constructor(weight: Tensor, bias: Tensor | null) {
    this.weight = weight;
    this.bias = bias;
  }

  /** The weight in `backend`'s layout, packed on first use. */
  packed(backend: Backend, where: string = this.constructor.name): PackedQWeight {
    let p = this.packs.get(backend.name);
    if (!p) {
      p = backend.int8.pack_qweight(weight_source(this.weight, this.bias, where));
      this.packs.set(backend.name, p);
    }
    return p;
  }

  /** [weight, bias], as torch's _weight_bias(). */
  _weight_bias(): [Tensor, Tensor | null] {
    return [this.weight, this.bias];
  }

  /**
   * copy.deepcopy's hook: the same class with every field copied (through `memo`, so a weight shared
   * with another copied object stays shared) and an empty pack cache. Copying the packed layouts
   * instead would give the copy pointers into wasm memory that the original's finalizer frees, tied
   * to the original's instance (wasm kernels reject them: "packed by another wasm instance").
   */
  __deepcopy__(memo: DeepcopyMemo): this {
    const out = Object.create(Object.getPrototypeOf(this)) as this;
    memo.set(this, out);
    for (const key of Reflect.ownKeys(this)) {
      const desc = Object.getOwnPropertyDescriptor(this, key) as PropertyDescriptor;
      if (desc.value === this.packs) desc.value = new Map<string, PackedQWeight>();
      else if ('value' in desc) desc.value = deepcopy(desc.value, memo);
      Object.defineProperty(out, key, desc);
    }
    return out;
  }
}

/** Weight and bias of a quantized Linear ([out_features, in_features] qint8 weight, float bias). */
export class LinearPackedParams extends QWeightPacks {
  constructor(weight: Tensor, bias: Tensor | null, where = 'LinearPackedParams') {
    if (weight?.ndim !== 2)
      throw new Error(`${where}: weight must be 2-d [out_features, in_features], got ${describe(weight)}`);
    super(weight, bias);
    this.packed(get_backend(), where); // validates now and prepacks for the current backend
  }

  get out_features(): number {
    return this.weight.shape[0];
  }
  get in_features(): number {
    return this.weight.shape[1];
  }
}

/** Geometry of a quantized 2-d convolution. */
export interface Conv2dParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** Weight ([out, in/groups, kh, kw] qint8), float bias and geometry of a quantized Conv2d. */
export class Conv2dPackedParams extends QWeightPacks {
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(weight: Tensor, bias: Tensor | null, params: Conv2dParams, where = 'Conv2dPackedParams') {
    if (weight?.ndim !== 4)
      throw new Error(`${where}: weight must be 4-d [out, in/groups, kh, kw], got ${describe(weight)}`);
    const { stride, padding, dilation, groups } = params;
    const pairs: [string, number[], number][] = [
      ['stride', stride, 1],
      ['padding', padding, 0],
      ['dilation', dilation, 1],
    ];
    for (const [name, v, lo] of pairs) {
      if (v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= lo))
        throw new Error(`${where}: ${name} [${v.join(', ')}] must be two integers ≥ ${lo}`);
    }
    if (!Number.isInteger(groups) || groups < 1 || weight.shape[0] % groups !== 0) {
      throw new Error(`${where}: groups ${groups} must be a positive divisor of out_channels ${weight.shape[0]}`);
    }
    super(weight, bias);
    this.stride = [stride[0], stride[1]];
    this.padding = [padding[0], padding[1]];
    this.dilation = [dilation[0], dilation[1]];
    this.groups = groups;
    this.packed(get_backend(), where);
  }

  get out_channels(): number {
    return this.weight.shape[0];
  }
  get in_channels(): number {
    return this.weight.shape[1] * this.groups;
  }
  get kernel_size(): [number, number] {
    return [this.weight.shape[2], this.weight.shape[3]];
  }
}
