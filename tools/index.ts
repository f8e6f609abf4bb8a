/**
 * tools (browser-safe): the numeric suite (`ns`, torch.ao.ns), per-layer sensitivity analysis and mixed
 * precision on an in-memory Task (jobs run in-process), and the self-contained HTML report as a string.
 * `import { tools, ns } from 'fxq'`; the Node entry adds model files, TaskSpecs on worker threads, file
 * loading of the default data, progress bars and write_report (tools/node/index.ts).
 */

export * as ns from './numeric_suite/index.js';
export * as ptq from './ptq/index.js';
export * from './report/graph_svg.js';
export * from './report/html.js';
export * from './report/svg_charts.js';
export * from './sensitivity/auto_mixed_precision.js';
export * from './sensitivity/calibrate.js';
export {
  get_spec_runner,
  is_task_spec,
  type OnResult,
  type RunJobsOptions,
  register_spec_runner,
  run_jobs,
  type SpecRunner,
} from './sensitivity/pool.js';
export * from './sensitivity/qconfigs.js';
export * from './sensitivity/sensitivity.js';
export * from './sensitivity/task.js';
