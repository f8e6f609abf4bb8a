/** ns: the numeric suite (torch.ao.ns): eager `_numeric_suite`, graph-mode `_numeric_suite_fx`, metrics, per-layer reports. */
export * as _numeric_suite from './_numeric_suite.js';
export * as _numeric_suite_fx from './_numeric_suite_fx.js';
export * from './layer_report.js';
export { match_nodes, type NodePair } from './match.js';
export * from './metrics.js';
