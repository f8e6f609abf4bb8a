/**
 * fxq: PyTorch-style FX graph-mode int8 quantization for TypeScript.
 * `import { nn, F, fx, quantization, tensor } from 'fxq'`.
 * The Node entry: the browser-safe core (browser.ts) plus what reads and writes files or starts
 * threads. A local export below shadows the core's export of the same name (`tools`).
 */

export * from './browser.js';
export * as tools from './tools/node/index.js';
