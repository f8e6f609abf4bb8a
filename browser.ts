/**
 * fxq, browser-safe entry: everything that builds, quantizes and runs a model, on bytes and URLs — no
 * Node built-in is imported (tests/browser/core_imports.test.ts bundles it for the browser). `index.ts`
 * (the Node entry) re-exports all of this plus file-path io, model files and worker threads.
 * Wasm: `await init_wasm({ source: url | bytes })`; quantized models: `load_quantized(bytes)`,
 * `await fetch_quantized(url | Response)`.
 */

export { fetch_quantized, load_quantized, serialize_quantized } from './compiler/artifact/index.js';
export { export_onnx_bytes, OnnxExportError } from './compiler/export/onnx/index.js';
export * as fx from './compiler/index.js';
export * as quantization from './compiler/quantize_fx/quantization_namespace.js';
export * as quantize_fx from './compiler/quantize_fx.js';
export { set_fp32_numerics, with_fp32_numerics } from './runtime/backends/fp32_numerics.js';
export {
  available_backends,
  type Fp32Numerics,
  get_backend,
  get_fp32_numerics,
  set_backend,
} from './runtime/backends/registry.js';
export { init_wasm, load_wasm_backend, type WasmLoadOptions } from './runtime/backends/wasm/index.js';
export * from './runtime/io/browser.js';
export * as F from './runtime/nn/functional/index.js';
export { gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell } from './runtime/nn/functional/rnn_cells.js';
export * as nn from './runtime/nn/index.js';
export * as optim from './runtime/optim/index.js';
export { dequantize, int_repr, quantize_per_channel, quantize_per_tensor } from './runtime/quant/qtensor.js';
export * from './runtime/tensor/index.js';
export { get_num_threads, set_num_threads, threads_ready } from './runtime/threads/num_threads.js';
export * as tools from './tools/index.js';
export { ns } from './tools/index.js';
