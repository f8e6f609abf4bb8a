import { conv2d_pytorch_x86, linear_pytorch_x86 } from './js/fp32/pytorch_x86.js';
import { js_backend } from './js/index.js';
import type { Backend, Fp32Kernels } from './types.js';

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

/**
 * How float32 conv2d and F.linear round: 'fast' (the backend's own kernels) or 'pytorch_x86' (bit for bit
 * PyTorch 1.13 on an x86 AVX2 CPU, js/fp32/pytorch_x86.ts: slower, for calibrating observers to the exact
 * qparams PyTorch computes for the same model and data; the CNN references: Zen 3, 2 threads).
 * 'pytorch_x86_zen5': the FmnistViT reference (Zen 5: oneDNN's avx512 kernels, ATen's AVX2 ones, 1 thread, OPENBLAS_CORETYPE=Haswell) — conv2d
 * and F.linear as there, plus layer_norm, softmax (last dim), exact GELU and matmul (js/fp32/pytorch_x86_zen5.ts).
 */
export type Fp32Numerics = 'fast' | 'pytorch_x86' | 'pytorch_x86_zen5';
const FP32_NUMERICS: readonly Fp32Numerics[] = ['fast', 'pytorch_x86', 'pytorch_x86_zen5'];
let fp32_numerics: Fp32Numerics = 'fast';
const with_pytorch_fp32 = new WeakMap<Backend, Backend>();
const with_pytorch_fp32_zen5 = new WeakMap<Backend, Backend>();

export function set_fp32_numerics(mode: Fp32Numerics): void {
  if (!FP32_NUMERICS.includes(mode))
    throw new Error(
      `set_fp32_numerics: unknown mode '${String(mode)}' (have: ${FP32_NUMERICS.map((m) => `'${m}'`).join(', ')})`,
    );
  fp32_numerics = mode;
}

export function get_fp32_numerics(): Fp32Numerics {
  return fp32_numerics;
}

/**
 * Runs `fn` with the float32 numerics `mode` and restores the previous mode afterwards, also when `fn`
 * throws (or its promise rejects): `with_fp32_numerics('pytorch_x86', () => calibrate(prepared))`.
 */
export function with_fp32_numerics<T>(mode: Fp32Numerics, fn: () => T): T {
  const prev = fp32_numerics;
  set_fp32_numerics(mode);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    fp32_numerics = prev;
    throw e;
  }
  if (result instanceof Promise) {
    // an async body: the mode holds until it settles (other work interleaved meanwhile sees it too)
    return result.finally(() => {
      fp32_numerics = prev;
    }) as T;
  }
  fp32_numerics = prev;
  return result;
}

/** `backend` with conv2d and the linear form of sgemm (x·wᵀ + bias) replaced by the PyTorch-rounding ones
 * (exact elementwise kernels such as relu stay the backend's). */
function pytorch_fp32_view(backend: Backend, zen5: boolean): Backend {
  const cache = zen5 ? with_pytorch_fp32_zen5 : with_pytorch_fp32;
  let view = cache.get(backend);
  if (!view) {
    const base = backend.fp32;
    // 'pytorch_x86_zen5' (the ViT reference): oneDNN's avx512 conv adds the bias last; OpenBLAS on 1 thread
    const threads = zen5 ? 1 : undefined;
    const fp32: Fp32Kernels = {
      ...base,
      name: `${base.name}+pytorch_x86${zen5 ? '_zen5' : ''}`,
      conv2d: (x, g, w, bias, y) => conv2d_pytorch_x86(x, g, w, bias, y, zen5),
      // the float ops' own loops, where the PyTorch numerics modes hook in (the fast kernels equal the loops'
      // float64 numerics, not PyTorch's float32 ones)
      softmax_rows: null,
      gelu: null,
      layer_norm: null,
      bmm: null,
      sgemm: (m, n, k, a, b, c, options) => {
        if (options?.trans_b && !options.trans_a && !options.accumulate)
          linear_pytorch_x86(m, n, k, a, b, c, options.bias ?? null, threads);
        else base.sgemm(m, n, k, a, b, c, options);
      },
    };
    view = { ...backend, fp32 };
    cache.set(backend, view);
  }
  return view;
}

/** The named backend, or the current one; an unknown or unloaded name is an error that says how to load it. */
export function get_backend(name?: string): Backend {
  if (name === undefined)
    return fp32_numerics === 'fast' ? current : pytorch_fp32_view(current, fp32_numerics === 'pytorch_x86_zen5');
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
