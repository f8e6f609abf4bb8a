/**
 * fxq: PyTorch-style FX graph-mode int8 quantization for TypeScript.
 * `import { nn, F, fx, quantization, tensor } from 'fxq'`.
 * The Node entry: the browser-safe core (browser.ts) plus what reads and writes files or starts
 * threads. A local export below shadows the core's export of the same name (`quantization`, `tools`,
 * `load_quantized`, which here also takes a file path).
 */

export * from './browser.js';
export { load_quantized, type SaveQuantizedOptions, save_quantized } from './compiler/artifact/node/index.js';
export { export_onnx } from './compiler/export/onnx/node/export_file.js';
export * as quantization from './compiler/quantize_fx/node/quantization_namespace.js';
export * from './runtime/io/index.js';
export * as tools from './tools/node/index.js';

// Node: the thread pool code loads with the entry, so set_num_threads(n) takes effect at the next call
// (a browser page loads it on the first set_num_threads(n > 1); `await threads_ready()`)
import { install_thread_pools } from './runtime/threads/pool.js';

install_thread_pools();
