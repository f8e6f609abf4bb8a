/**
 * fxq: PyTorch-style FX graph-mode int8 quantization for TypeScript.
 * `import { nn, F, fx, quantization, tensor } from 'fxq'`.
 */
export * from './runtime/tensor/index.js';
export * as nn from './runtime/nn/index.js';
