/**
 * The declarative quantization pattern table (torch 1.13's backend_config for qnnpack, rewritten as data):
 * for each float op — a module class, a function op name or a Tensor method — how prepare observes it
 * (observation type) and what convert lowers it to (int8 module, int8 functional op, identity or none).
 * Derived from the quantized-op catalogue (runtime/quantized/op_catalogue): add an op there, not here.
 * The dynamic table is dynamic_patterns.ts. BackendConfig: the named configs — get_qnnpack_backend_config()
 * (parity, the default) and get_fxq_backend_config() (opt-in, beyond PyTorch).
 */
export type {
  BackendConfigChange,
  FromFloat,
  Lowering,
  ModuleClass,
  ObservationType,
  OpMatcher,
  QuantPatternRow,
  RowQParams,
} from '../../runtime/quantized/op_catalogue/index.js';
export {
  BackendConfig,
  FXQ_CHANGES,
  find_fused_row,
  find_static_row,
  get_fxq_backend_config,
  get_qnnpack_backend_config,
  op_matches,
  RELU_FORMS,
  STATIC_PATTERNS,
  static_patterns,
} from '../../runtime/quantized/op_catalogue/index.js';
