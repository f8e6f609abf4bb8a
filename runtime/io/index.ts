/** io: safetensors, IDX files, Fashion-MNIST, datasets and batching. */
export * from './atomic.js';
export * from './data.js';
export * from './fashion_mnist.js';
export * from './idx.js';
export * from './safetensors.js';
export type { SafetensorsDType } from './safetensors_dtypes.js';
