/** io for Node: everything browser-safe (./browser.ts) plus the file-path functions (./node/). */
export * from './browser.js';
export {
  ATOMIC_TEMP_PATTERN,
  atomic_temp_pattern,
  clean_atomic_leftovers,
  type LeftoverOptions,
  write_file_atomic,
} from './node/atomic.js';
export { load_fashion_mnist, read_fashion_mnist_raw } from './node/fashion_mnist_file.js';
export { read_idx, read_idx_bytes, write_idx } from './node/idx_file.js';
export { load_npy, save_npy } from './node/npy_file.js';
export {
  load_safetensors,
  load_safetensors_header,
  load_safetensors_with_metadata,
  save_safetensors,
} from './node/safetensors_file.js';
