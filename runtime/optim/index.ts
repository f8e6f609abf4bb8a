/** optim: optimizers and learning-rate schedulers, as torch.optim. */

export * from './adam.js';
export * as lr_scheduler from './lr_scheduler.js';
export * from './optimizer.js';
export * from './sgd.js';
