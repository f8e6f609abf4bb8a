/**
 * The dynamic-quantization table (torch 1.13's default dynamic quant module mappings): float modules
 * replaced at convert by their dynamic int8 counterparts (qint8 weights, activations quantized per call).
 * Derived from the quantized-op catalogue (runtime/quantized/op_catalogue: each record's `dynamic`).
 */
export type { DynamicPatternRow } from '../../runtime/quantized/op_catalogue/index.js';
export { DYNAMIC_PATTERNS, find_dynamic_row } from '../../runtime/quantized/op_catalogue/index.js';
