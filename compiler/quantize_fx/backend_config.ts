/**
 * The declarative quantization pattern table (torch 1.13's backend_config for qnnpack, rewritten as data):
 * for each float op — a module class, a function op name or a Tensor method — how prepare observes it
 * (observation type) and what convert lowers it to (int8 module, int8 functional op, identity or none).
 * Derived from the quantized-op catalogue (runtime/quantized/op_catalogue): add an op there, not here.
 * The dynamic table is dynamic_patterns.ts.
 */
export type {
  FromFloat,
  Lowering,
  ModuleClass,
  ObservationType,
  OpMatcher,
  QuantPatternRow,
  RowQParams,
} from '../../runtime/quantized/op_catalogue/index.js';
export {
  find_fused_row,
  find_static_row,
  op_matches,
  RELU_FORMS,
  STATIC_PATTERNS,
  static_patterns,
} from '../../runtime/quantized/op_catalogue/index.js';
