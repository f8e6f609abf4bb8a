/**
 * Finding, validating and instantiating the compiled kernels (build/simd.wasm, build/relaxed.wasm from
 * scripts/build_wasm.mjs). Synchronous in Node (read file + new WebAssembly.Module/Instance), async for
 * browsers (fetch + WebAssembly.compile).
 */

import { share_threads } from '../../threads/num_threads.js';
import { REQUIRED_EXPORTS, type WasmExports } from './abi.js';
import { WasmHeap } from './heap.js';
import { type MemoryLimits, prepare_memory_import } from './memory_import.js';

export type { WasmExports } from './abi.js';

/** Which build runs: baseline SIMD, or relaxed SIMD (fused multiply-add in the fp32 GEMM). */
export type WasmVariant = 'simd' | 'relaxed';

/** An instantiated kernel module with its memory manager. */
export interface WasmInstance {
  readonly exports: WasmExports;
  readonly heap: WasmHeap;
  readonly variant: WasmVariant;
}

// (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b,
  0x03,
  0x02,
  0x01,
  0x00,
  0x0a,
  0x3d,
  0x01,
  0x3b,
  0x00,
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]),
  0xfd,
  0x85,
  0x02,
  0x0b,
]);

/** Whether this engine accepts relaxed SIMD (Node 20: no, unless flagged; recent browsers: yes). */
export function relaxed_simd_supported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** The variant `auto` resolves to here. */
export function pick_variant(requested: WasmVariant | 'auto' = 'auto'): WasmVariant {
  if (requested !== 'auto') return requested;
  return relaxed_simd_supported() ? 'relaxed' : 'simd';
}

/** Where a build lives (next to this file, in build/). */
export function wasm_build_url(variant: WasmVariant): URL {
  return new URL(`./build/${variant}.wasm`, import.meta.url);
}

const FIX =
  'in a checkout of fxq, run `npm run build:wasm` (AssemblyScript, devDependency) to build it; the npm package ships it prebuilt (reinstall fxq)';

/**
 * Instantiates a compiled module on a fresh memory with the import's limits (shared: worker threads can
 * instantiate the same module on it).
 */
export function instantiate(
  mod: WebAssembly.Module,
  variant: WasmVariant,
  limits: MemoryLimits = { initial: 1, maximum: 65536, shared: false },
): WasmInstance {
  const memory = new WebAssembly.Memory(limits);
  const inst = new WebAssembly.Instance(mod, { env: { memory } });
  // a mutable copy: with threads, runtime/threads replaces the heavy kernels by splitting versions
  const exports = { ...inst.exports } as unknown as WasmExports;
  const missing = REQUIRED_EXPORTS.filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0 || exports.memory !== memory) {
    throw new Error(
      `wasm backend: ${variant}.wasm lacks ${missing.join(', ') || 'an imported memory'} (stale build?): ${FIX}`,
    );
  }
  const instance = { exports, heap: new WasmHeap(memory, exports.heap_base()), variant };
  if (limits.shared) share_threads(instance, mod);
  return instance;
}

/** Node: reads and instantiates the build synchronously; a missing or broken build is an error naming the fix. */
export function load_module_sync(variant: WasmVariant, url: URL = wasm_build_url(variant)): WasmInstance {
  const fs = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process?.getBuiltinModule?.(
    'node:fs',
  ) as typeof import('node:fs') | undefined;
  if (!fs)
    throw new Error('wasm backend: synchronous loading needs Node ≥ 20.16; in a browser use `await init_wasm()`');
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(url);
  } catch (e) {
    throw new Error(
      `wasm backend: cannot read ${url.pathname} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): ${FIX}`,
    );
  }
  const [prepared, limits] = prepare_memory_import(bytes as Uint8Array<ArrayBuffer>);
  let mod: WebAssembly.Module;
  try {
    mod = new WebAssembly.Module(prepared);
  } catch (e) {
    throw new Error(
      `wasm backend: ${url.pathname} is not a valid module for this engine (${(e as Error).message}): ${FIX}`,
    );
  }
  return instantiate(mod, variant, limits);
}

/** Browsers (and Node): fetches or reads the build and compiles it asynchronously. */
export async function load_module_async(
  variant: WasmVariant,
  source?: URL | string | BufferSource,
): Promise<WasmInstance> {
  const url =
    source === undefined || typeof source === 'string' || source instanceof URL
      ? new URL(String(source ?? wasm_build_url(variant)))
      : null;
  let bytes: BufferSource;
  if (url === null) bytes = source as BufferSource;
  else if (url.protocol === 'file:') return load_module_sync(variant);
  else {
    const res = await fetch(url);
    if (!res.ok)
      throw new Error(
        `wasm backend: fetching ${url.href} failed (HTTP ${res.status}): ${FIX} and serve build/ with the package`,
      );
    bytes = await res.arrayBuffer();
  }
  try {
    const [prepared, limits] = prepare_memory_import(bytes);
    return instantiate(await WebAssembly.compile(prepared), variant, limits);
  } catch (e) {
    throw new Error(`wasm backend: cannot compile ${url?.href ?? 'the given bytes'} (${(e as Error).message}): ${FIX}`);
  }
}
