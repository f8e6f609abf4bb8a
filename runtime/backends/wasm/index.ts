/**
 * The WebAssembly SIMD backend: int8 kernels on i32x4.dot_i16x8_s and f32x4 fp32 kernels, compiled from
 * ./assembly by scripts/build_wasm.mjs. `load_wasm_backend()` (Node, synchronous) or `await init_wasm()`
 * (browsers) instantiates it and registers it as 'wasm' (then `set_backend('wasm')`).
 */
import { get_backend, register_backend } from '../registry.js';
import type { Backend } from '../types.js';
import { make_wasm_fp32 } from './fp32.js';
import { make_wasm_int8 } from './int8.js';
import { load_module_async, load_module_sync, pick_variant, type WasmInstance, type WasmVariant } from './module.js';
import { make_wasm_rnn } from './rnn.js';

export type { WasmPackedQWeight } from './int8.js';
export { relaxed_simd_supported, type WasmInstance, type WasmVariant } from './module.js';

/** The wasm Backend plus the instance behind it (memory, raw exports: for benchmarks and tests). */
export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  readonly instance: WasmInstance;
}

/** Options of load_wasm_backend / init_wasm. */
export interface WasmLoadOptions {
  /** 'auto' (default): relaxed SIMD where the engine validates it, else baseline SIMD. */
  variant?: WasmVariant | 'auto';
  /** Load a fresh instance even when one is registered (default false: reuse). */
  fresh?: boolean;
}

function make_backend(instance: WasmInstance): WasmBackend {
  return {
    name: 'wasm',
    int8: make_wasm_int8(instance),
    fp32: make_wasm_fp32(instance),
    rnn: make_wasm_rnn(instance),
    instance,
  };
}

function registered(options: WasmLoadOptions): WasmBackend | null {
  if (options.fresh) return null;
  try {
    const b = get_backend('wasm') as WasmBackend;
    const want = options.variant ?? 'auto';
    return want === 'auto' || b.instance.variant === want ? b : null;
  } catch {
    return null;
  }
}

/** Node: instantiates the wasm kernels synchronously and registers them as backend 'wasm'. */
export function load_wasm_backend(options: WasmLoadOptions = {}): WasmBackend {
  const have = registered(options);
  if (have) return have;
  const variant = pick_variant(options.variant);
  let inst: WasmInstance;
  try {
    inst = load_module_sync(variant);
  } catch (e) {
    // the relaxed build is optional: 'auto' falls back to baseline SIMD when it is missing or rejected
    if (variant !== 'relaxed' || (options.variant ?? 'auto') !== 'auto') throw e;
    inst = load_module_sync('simd');
  }
  const b = make_backend(inst);
  register_backend(b);
  return b;
}

/** Browsers (and Node): compiles the wasm kernels asynchronously (fetching build/*.wasm or given bytes) and registers them. */
export async function init_wasm(
  options: WasmLoadOptions & { source?: URL | string | BufferSource } = {},
): Promise<WasmBackend> {
  const have = registered(options);
  if (have) return have;
  const variant = pick_variant(options.variant);
  let inst: WasmInstance;
  try {
    inst = await load_module_async(variant, options.source);
  } catch (e) {
    if (variant !== 'relaxed' || (options.variant ?? 'auto') !== 'auto' || options.source !== undefined) throw e;
    inst = await load_module_async('simd');
  }
  const b = make_backend(inst);
  register_backend(b);
  return b;
}
