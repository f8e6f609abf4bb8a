/**
 * The WebAssembly SIMD backend: int8 kernels on i32x4.dot_i16x8_s and f32x4 fp32 kernels, compiled from
 * ./assembly by scripts/build_wasm.mjs. `load_wasm_backend()` (Node, synchronous) or `await init_wasm()`
 * (browsers, init.ts: imports this file on demand) instantiates it and registers it as 'wasm' (then `set_backend('wasm')`).
 */
import { register_backend } from '../registry.js';
import type { Backend } from '../types.js';
import { make_wasm_fp32 } from './fp32.js';
import { registered } from './init.js';
import { make_wasm_int8 } from './int8.js';
import { load_module_sync, pick_variant, type WasmInstance, type WasmVariant } from './module.js';
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

export function make_backend(instance: WasmInstance): WasmBackend {
  return {
    name: 'wasm',
    int8: make_wasm_int8(instance),
    fp32: make_wasm_fp32(instance),
    rnn: make_wasm_rnn(instance),
    instance,
  };
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

export { init_wasm } from './init.js';
