/**
 * `await init_wasm()` (browsers, and Node): fetches and compiles the wasm kernels, then registers them as
 * backend 'wasm'. The backend's JS side (module.ts, index.ts) is imported here on demand, alongside the
 * .wasm it drives: a page bundling fxq/inference downloads it when it calls init_wasm, not up front.
 */
import { get_backend, register_backend } from '../registry.js';
import type { WasmBackend, WasmLoadOptions } from './index.js';
import type { WasmInstance } from './module.js';

/** The registered wasm backend when it satisfies `options`, else null (index.ts's load_wasm_backend too). */
export function registered(options: WasmLoadOptions): WasmBackend | null {
  if (options.fresh) return null;
  try {
    const b = get_backend('wasm') as WasmBackend;
    const want = options.variant ?? 'auto';
    return want === 'auto' || b.instance.variant === want ? b : null;
  } catch {
    return null;
  }
}

/** Browsers (and Node): compiles the wasm kernels asynchronously (fetching build/*.wasm or given bytes) and registers them. */
export async function init_wasm(
  options: WasmLoadOptions & { source?: URL | string | BufferSource } = {},
): Promise<WasmBackend> {
  const have = registered(options);
  if (have) return have;
  const [{ load_module_async, pick_variant }, { make_backend }] = await Promise.all([
    import('./module.js'),
    import('./index.js'),
  ]);
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
