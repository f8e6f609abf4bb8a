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
