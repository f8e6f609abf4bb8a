/**
 * tools for Node: everything of ../index.ts plus what reads files or starts threads — model files,
 * TaskSpecs on worker threads (loading this registers the runner), the default Fashion-MNIST data,
 * progress bars on stderr, write_report.
 */

export * from '../index.js';
export * from '../model_file.js';
export * from '../progress.js';
export * from '../report/node/write_report.js';
export * from '../sensitivity/node/data.js';
export * from '../sensitivity/node/task_spec.js';
export { run_spec_on_workers } from '../sensitivity/node/workers.js';
