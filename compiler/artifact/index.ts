/** The quantized-model file format, browser-safe: bytes in, bytes out (file paths: ./node/index.ts). */

export { FORMAT, type ModuleEntry, type QuantizedManifest, VERSION } from './manifest.js';
export { MAX_SIZE, MAX_WINDOW } from './module_schemas.js';
export { fetch_quantized, load_quantized, manifest_of, serialize_quantized } from './quantized_artifact.js';
