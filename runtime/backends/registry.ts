import type { conv2d_pytorch_x86, linear_pytorch_x86 } from './js/fp32/pytorch_x86.js';
import type {
  bmm_pytorch_x86,
  gelu_pytorch_x86_zen5,
  layer_norm_pytorch_x86_zen5,
  softmax_lastdim_pytorch_x86_zen5,
} from './js/fp32/pytorch_x86_zen5.js';
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
let fp32_numerics: Fp32Numerics = 'fast';
const with_pytorch_fp32 = new WeakMap<Backend, Backend>();
const with_pytorch_fp32_zen5 = new WeakMap<Backend, Backend>();

/**
 * The PyTorch-rounding float kernels the numerics modes run. fp32_numerics.ts installs them when it is
 * imported — it holds set_fp32_numerics, the only way to leave 'fast' — so fxq/inference (always 'fast')
 * does not bundle them.
 */
export interface PytorchFp32Kernels {
  conv2d: typeof conv2d_pytorch_x86;
  linear: typeof linear_pytorch_x86;
  bmm: typeof bmm_pytorch_x86;
  gelu: typeof gelu_pytorch_x86_zen5;
  layer_norm: typeof layer_norm_pytorch_x86_zen5;
  softmax_lastdim: typeof softmax_lastdim_pytorch_x86_zen5;
}
let pytorch_kernels: PytorchFp32Kernels | null = null;

/** fp32_numerics.ts: installs the kernels behind the PyTorch numerics modes. */
export function install_pytorch_fp32(kernels: PytorchFp32Kernels): void {
  pytorch_kernels = kernels;
}

/** The PyTorch-rounding kernels (set whenever the mode is not 'fast': only fp32_numerics.ts leaves it). */
export function pytorch_fp32(): PytorchFp32Kernels {
  if (!pytorch_kernels)
    throw new Error(
      'fp32 numerics: the PyTorch kernels are not installed (import set_fp32_numerics from runtime/backends/fp32_numerics.ts)',
    );
  return pytorch_kernels;
}

/** fp32_numerics.ts's set_fp32_numerics / with_fp32_numerics: the mode itself, checked there. */
export function set_fp32_numerics_mode(mode: Fp32Numerics): void {
  fp32_numerics = mode;
}

export function get_fp32_numerics(): Fp32Numerics {
  return fp32_numerics;
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
      // the backend's own form of the PyTorch conv (wasm), else the JS loop
      conv2d: (x, g, w, bias, y) => (base.conv2d_pytorch_x86 ?? pytorch_fp32().conv2d)(x, g, w, bias, y, zen5),
      conv2d_pytorch_x86: null,
      // conv then relu apart, each the PyTorch-rounding or exact kernel
      conv2d_relu: null,
      // the float ops' own loops, where the PyTorch numerics modes hook in (the fast kernels equal the loops'
      // float64 numerics, not PyTorch's float32 ones)
      softmax_rows: null,
      gelu: null,
      layer_norm: null,
      bmm: null,
      sgemm: (m, n, k, a, b, c, options) => {
        if (options?.trans_b && !options.trans_a && !options.accumulate)
          pytorch_fp32().linear(m, n, k, a, b, c, options.bias ?? null, threads);
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
