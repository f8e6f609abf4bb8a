/**
 * io, browser-safe (no Node built-ins): safetensors and IDX from and to bytes, Fashion-MNIST from
 * bytes, datasets and batching. The file-path functions are in ./node/ and exported by ./index.ts.
 */
export * from './data.js';
export * from './fashion_mnist.js';
export { IDX_MAX_DECOMPRESSED_BYTES, type IdxOptions, parse_idx, serialize_idx } from './idx.js';
export { parse_npy, serialize_npy } from './npy.js';
export * from './safetensors.js';
export type { SafetensorsDType } from './safetensors_dtypes.js';
