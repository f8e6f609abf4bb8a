import { js_backend } from './js/index.js';
import type { Backend } from './types.js';

/** Kernel backends by name; 'js' is always there, 'wasm' once its module has been loaded. */
const backends = new Map<string, Backend>([['js', js_backend]]);
let current: Backend = js_backend;

export function register_backend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Selects the backend used by every op that does not name one (as torch.backends.quantized.engine). */
export function set_backend(name: 'js' | 'wasm'): void {
  current = get_backend(name);
}

/** The named backend, or the current one; an unknown or unloaded name is an error that says how to load it. */
export function get_backend(name?: string): Backend {
  if (name === undefined) return current;
  const b = backends.get(name);
  if (!b) {
    const hint =
      name === 'wasm' ? ' Load it first with load_wasm_backend() (built by `npm install` / `npm run build:wasm`).' : '';
    throw new Error(`backend '${name}' is not available (have: ${[...backends.keys()].join(', ')}).${hint}`);
  }
  return b;
}

export function available_backends(): string[] {
  return [...backends.keys()];
}
