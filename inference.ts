/**
 * fxq, inference-only entry (`fxq/inference`): what a page needs to load a saved int8 model and run it —
 * `fetch_quantized` / `load_quantized(bytes)`, the backends (`init_wasm`), tensors. Browser-safe, and small
 * when bundled (no tracer, no prepare/convert, no observers beyond what the loader rebuilds).
 */

export { fetch_quantized, load_quantized } from './compiler/artifact/index.js';
export type { GraphModule } from './compiler/ir/graph_module.js';
export { available_backends, get_backend, set_backend } from './runtime/backends/registry.js';
export type { WasmLoadOptions } from './runtime/backends/wasm/index.js';
export { init_wasm } from './runtime/backends/wasm/init.js';
export { FASHION_MNIST_CLASSES, normalize_fashion_mnist } from './runtime/io/fashion_mnist.js';
export { tensor } from './runtime/tensor/creation.js';
export { Tensor } from './runtime/tensor/tensor.js';
export { get_num_threads, set_num_threads, threads_ready } from './runtime/threads/num_threads.js';
