/**
 * The `quantization` namespace of the Node entry: the browser-safe one plus save_quantized(model, path) and
 * a load_quantized that also takes a file path (the local export shadows the star export).
 */

export { load_quantized, type SaveQuantizedOptions, save_quantized } from '../../artifact/node/index.js';
export * from '../quantization_namespace.js';
