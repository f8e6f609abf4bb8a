/**
 * A deep copy of a module tree (Python's copy.deepcopy, as torch's fuse_modules and
 * fuse_conv_bn_eval use it): every module, parameter, buffer and plain state is duplicated,
 * classes are preserved, and shared objects stay shared in the copy (a memo, as deepcopy's).
 * An object with a `__deepcopy__(memo)` method copies itself, as in Python: objects holding
 * derived, backend-owned state (prepacked int8 weights in a wasm instance's memory) use it to
 * copy their real state and drop the caches.
 */
import { Tensor } from '../../tensor/tensor.js';

/** deepcopy's memo: original object → its copy (what `__deepcopy__(memo)` passes back to deepcopy). */
export type DeepcopyMemo = Map<unknown, unknown>;
type Memo = DeepcopyMemo;

/** An object that copies itself (Python's `__deepcopy__` protocol); it copies its parts with deepcopy(part, memo). */
export interface DeepCopyable {
  __deepcopy__(memo: DeepcopyMemo): unknown;
}

function has_deepcopy(v: object): v is DeepCopyable {
  return typeof (v as Partial<DeepCopyable>).__deepcopy__ === 'function';
}

/** Objects that are handles, not state: copying them would be wrong or impossible, so copies share them. */
function is_shared_handle(v: object): boolean {
  if (typeof v === 'function') return true;
  if (v instanceof WeakMap || v instanceof WeakSet || v instanceof Promise) return true;
  const wasm = (globalThis as { WebAssembly?: Record<string, unknown> }).WebAssembly;
  if (wasm) {
    for (const k of ['Memory', 'Instance', 'Module', 'Table', 'Global']) {
      const cls = wasm[k];
      if (typeof cls === 'function' && v instanceof (cls as new (...a: never[]) => unknown)) return true;
    }
  }
  return false;
}

function copy_value(v: unknown, memo: Memo): unknown {
  if (v === null || typeof v !== 'object') {
    return v; // primitives and functions (closures such as qconfig factories are shared, as Python shares functions)
  }
  if (memo.has(v)) return memo.get(v);
  if (is_shared_handle(v)) return v;
  if (has_deepcopy(v)) {
    const out = v.__deepcopy__(memo);
    memo.set(v, out);
    return out;
  }
  if (ArrayBuffer.isView(v)) {
    // a typed array reached twice (a tensor and its view) is copied once, so views still share storage
    const out =
      v instanceof DataView ? new DataView(v.buffer.slice(0)) : (v as unknown as { slice(): unknown }).slice();
    memo.set(v, out);
    return out;
  }
  if (v instanceof ArrayBuffer) {
    const out = v.slice(0);
    memo.set(v, out);
    return out;
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    memo.set(v, out);
    for (const x of v) out.push(copy_value(x, memo));
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    memo.set(v, out);
    for (const [k, x] of v) out.set(copy_value(k, memo), copy_value(x, memo));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    memo.set(v, out);
    for (const x of v) out.add(copy_value(x, memo));
    return out;
  }
  if (v instanceof Date) return new Date(v.getTime());
  return copy_object(v, memo);
}

/** Any other object: same prototype, every own property (descriptors kept) copied recursively. */
function copy_object(v: object, memo: Memo): object {
  const out = Object.create(Object.getPrototypeOf(v)) as object;
  memo.set(v, out);
  for (const key of Reflect.ownKeys(v)) {
    const desc = Object.getOwnPropertyDescriptor(v, key) as PropertyDescriptor;
    if ('value' in desc) desc.value = copy_value(desc.value, memo);
    Object.defineProperty(out, key, desc);
  }
  if (v instanceof Tensor) {
    // torch refuses to deepcopy a non-leaf tensor; a module's state is leaves, so a copy starts a new tape
    (out as Tensor).grad_fn = null;
  }
  if (Object.isFrozen(v)) Object.freeze(out);
  return out;
}

/**
 * copy.deepcopy for modules (and any value holding them): parameters and buffers get new storage
 * with the same values and requires_grad, submodules keep their classes and training flags,
 * and objects reached twice (tied weights, a module used at two places) stay one object in the copy.
 * `memo` is for `__deepcopy__` implementations copying their parts (Python's deepcopy(x, memo)).
 */
export function deepcopy<T>(value: T, memo: DeepcopyMemo = new Map()): T {
  return copy_value(value, memo) as T;
}
