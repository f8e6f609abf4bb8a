/**
 * tools: the numeric suite (`ns`, torch.ao.ns), per-layer sensitivity analysis and mixed precision,
 * and the self-contained HTML report. `import { tools, ns } from 'fxq'`.
 */

export * from './model_file.js';
export * as ns from './numeric_suite/index.js';
export * from './progress.js';
export * from './report/graph_svg.js';
export * from './report/html.js';
export * from './report/svg_charts.js';
export * from './sensitivity/auto_mixed_precision.js';
export * from './sensitivity/data.js';
export { is_task_spec, type OnResult, type RunJobsOptions, run_jobs } from './sensitivity/pool.js';
export * from './sensitivity/qconfigs.js';
export * from './sensitivity/sensitivity.js';
export * from './sensitivity/task.js';
