/** ns: the numeric suite (torch.ao.ns): eager `_numeric_suite`, graph-mode `_numeric_suite_fx`, metrics, per-layer reports. */
export * as _numeric_suite from './_numeric_suite.js';
// PyTorch's functions under the submodule that defines them (torch.ao.ns._numeric_suite.compare_weights,
// torch.ao.ns._numeric_suite_fx.add_loggers) and, as the README writes them, on ns itself (the loggers'
// classes share the name OutputLogger, so they stay under their submodule)
export {
  type CompareModelOutputsOptions,
  compare_model_outputs,
  compare_weights,
  type OutputComparison,
  type WeightComparison,
} from './_numeric_suite.js';
export * as _numeric_suite_fx from './_numeric_suite_fx.js';
export {
  add_loggers,
  add_shadow_loggers,
  extend_logger_results_with_comparison,
  extract_logger_info,
  extract_shadow_logger_info,
  extract_weights,
  type NSResultsType,
  type NSSingleResult,
} from './_numeric_suite_fx.js';
export * from './layer_report.js';
export { match_nodes, type NodePair } from './match.js';
export * from './metrics.js';
