/** The quantized-op catalogue (catalogue.ts) and the tables derived from it. */
export * from './backend_configs.js';
export { OP_CATALOGUE, op_record } from './catalogue.js';
export { CLAMP_FORMS, clamp_to_levels } from './clamps.js';
export * from './derive.js';
export * from './fuser_methods.js';
export * from './patterns.js';
export type * from './types.js';
