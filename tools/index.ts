/**
 * tools: the numeric suite (`ns`, torch.ao.ns), per-layer sensitivity analysis and mixed precision,
 * and the self-contained HTML report. `import { tools, ns } from 'fxq'`.
 */
export * as ns from './numeric_suite/index.js';
export * from './model_file.js';
export * from './progress.js';
export * from './report/graph_svg.js';
export * from './report/html.js';
export * from './report/svg_charts.js';
export * from './sensitivity/auto_mixed_precision.js';
export * from './sensitivity/data.js';
export { is_task_spec, run_jobs, type OnResult, type RunJobsOptions } from './sensitivity/pool.js';
export * from './sensitivity/qconfigs.js';
export * from './sensitivity/sensitivity.js';
export * from './sensitivity/task.js';
