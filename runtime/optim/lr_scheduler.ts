import type { Optimizer, OptimizerDefaults } from './optimizer.js';

type AnyOptimizer = Optimizer<OptimizerDefaults>;

/**
 * Base of learning-rate schedulers, as torch.optim.lr_scheduler.LRScheduler: records each group's
 * `initial_lr`, and construction performs the first step (last_epoch −1 → 0). Subclasses give
 * get_lr() in torch's recursive ("chainable") form, computed from the groups' current lr.
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  last_epoch: number;
  base_lrs: number[];
  protected _step_count = 0;
  protected _last_lr: number[] = [];

  constructor(optimizer: AnyOptimizer, last_epoch = -1) {
    this.optimizer = optimizer;
    const groups = this.optimizer.param_groups;
    if (last_epoch === -1) {
      for (const g of groups) g.initial_lr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initial_lr === undefined) {
          throw new Error(
            `${new.target.name}: param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`,
          );
        }
      });
    }
    this.base_lrs = groups.map((g) => g.initial_lr as number);
    this.last_epoch = last_epoch;
  }

  /** Subclass constructors call this last, after setting their own fields (torch's _initial_step). */
  protected _initial_step(): void {
    this._step_count = 0;
    this.step();
  }

  /** The learning rate of each group for the current `last_epoch`. */
  abstract get_lr(): number[];

  /** Advances one epoch and writes the new learning rates into the optimizer. */
  step(): void {
    this._step_count++;
    this.last_epoch++;
    const lrs = this.get_lr();
    this.optimizer.param_groups.forEach((g, i) => {
      g.lr = lrs[i];
    });
    this._last_lr = lrs;
  }

  /** The learning rates set by the last step. */
  get_last_lr(): number[] {
    return [...this._last_lr];
  }

  protected current_lrs(): number[] {
    return this.optimizer.param_groups.map((g) => g.lr);
  }
}

/** StepLR(optimizer, step_size, { gamma = 0.1, last_epoch = −1 }): lr·γ every `step_size` epochs. */
export class StepLR extends LRScheduler {
  readonly step_size: number;
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, step_size: number, options: { gamma?: number; last_epoch?: number } = {}) {
    super(optimizer, options.last_epoch ?? -1);
    if (!Number.isInteger(step_size) || step_size <= 0)
      throw new Error(`StepLR: step_size must be a positive integer, got ${step_size}`);
    this.step_size = step_size;
    this.gamma = options.gamma ?? 0.1;
    this._initial_step();
  }
  get_lr(): number[] {
    const lrs = this.current_lrs();
    if (this.last_epoch === 0 || this.last_epoch % this.step_size !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/** ExponentialLR(optimizer, gamma): lr·γ every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, gamma: number, options: { last_epoch?: number } = {}) {
    super(optimizer, options.last_epoch ?? -1);
    this.gamma = gamma;
    this._initial_step();
  }
  get_lr(): number[] {
    const lrs = this.current_lrs();
    return this.last_epoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }
}

/**
 * CosineAnnealingLR(optimizer, T_max, { eta_min = 0 }): torch's recursive form, which follows
 * η_t = η_min + (η_0 − η_min)(1 + cos(π t / T_max)) / 2 and keeps cycling past T_max (SGDR without restarts).
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly T_max: number;
  readonly eta_min: number;
  constructor(optimizer: AnyOptimizer, T_max: number, options: { eta_min?: number; last_epoch?: number } = {}) {
    super(optimizer, options.last_epoch ?? -1);
    if (!(T_max > 0)) throw new Error(`CosineAnnealingLR: T_max must be positive, got ${T_max}`);
    this.T_max = T_max;
    this.eta_min = options.eta_min ?? 0;
    this._initial_step();
  }
  get_lr(): number[] {
    const { T_max, eta_min, last_epoch: e } = this;
    const lrs = this.current_lrs();
    if (e === 0) return lrs;
    if (this._step_count === 1 && e > 0) {
      return this.base_lrs.map((b) => eta_min + ((b - eta_min) * (1 + Math.cos((e * Math.PI) / T_max))) / 2);
    }
    if ((e - 1 - T_max) % (2 * T_max) === 0) {
      return lrs.map((lr, i) => lr + ((this.base_lrs[i] - eta_min) * (1 - Math.cos(Math.PI / T_max))) / 2);
    }
    return lrs.map(
      (lr) =>
        ((1 + Math.cos((Math.PI * e) / T_max)) / (1 + Math.cos((Math.PI * (e - 1)) / T_max))) * (lr - eta_min) +
        eta_min,
    );
  }
}
