/**
 * set_fp32_numerics / with_fp32_numerics (the modes: registry.ts, Fp32Numerics). Importing this installs the
 * PyTorch-rounding kernels the modes run; fxq/inference never leaves 'fast', so it bundles neither.
 */
import { conv2d_pytorch_x86, linear_pytorch_x86 } from './js/fp32/pytorch_x86.js';
import {
  bmm_pytorch_x86,
  gelu_pytorch_x86_zen5,
  layer_norm_pytorch_x86_zen5,
  softmax_lastdim_pytorch_x86_zen5,
} from './js/fp32/pytorch_x86_zen5.js';
import { type Fp32Numerics, get_fp32_numerics, install_pytorch_fp32, set_fp32_numerics_mode } from './registry.js';

export { type Fp32Numerics, get_fp32_numerics } from './registry.js';

install_pytorch_fp32({
  conv2d: conv2d_pytorch_x86,
  linear: linear_pytorch_x86,
  bmm: bmm_pytorch_x86,
  gelu: gelu_pytorch_x86_zen5,
  layer_norm: layer_norm_pytorch_x86_zen5,
  softmax_lastdim: softmax_lastdim_pytorch_x86_zen5,
});

const FP32_NUMERICS: readonly Fp32Numerics[] = ['fast', 'pytorch_x86', 'pytorch_x86_zen5'];

export function set_fp32_numerics(mode: Fp32Numerics): void {
  if (!FP32_NUMERICS.includes(mode))
    throw new Error(
      `set_fp32_numerics: unknown mode '${String(mode)}' (have: ${FP32_NUMERICS.map((m) => `'${m}'`).join(', ')})`,
    );
  set_fp32_numerics_mode(mode);
}

/**
 * Runs `fn` with the float32 numerics `mode` and restores the previous mode afterwards, also when `fn`
 * throws (or its promise rejects): `with_fp32_numerics('pytorch_x86', () => calibrate(prepared))`.
 */
export function with_fp32_numerics<T>(mode: Fp32Numerics, fn: () => T): T {
  const prev = get_fp32_numerics();
  set_fp32_numerics(mode);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    set_fp32_numerics_mode(prev);
    throw e;
  }
  if (result instanceof Promise) {
    // an async body: the mode holds until it settles (other work interleaved meanwhile sees it too)
    return result.finally(() => set_fp32_numerics_mode(prev)) as T;
  }
  set_fp32_numerics_mode(prev);
  return result;
}
