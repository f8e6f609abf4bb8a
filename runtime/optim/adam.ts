import { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerDefaults, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';

/** Hyper-parameters of Adam / AdamW (torch's names). */
export interface AdamOptions extends OptimizerDefaults {
  betas: [number, number];
  eps: number;
  weight_decay: number;
  amsgrad: boolean;
  maximize: boolean;
}

const f = Math.fround;

/**
 * torch.optim.Adam (single-tensor path), float32 where torch materialises float32 tensors:
 *   t += 1;  g (+ weight_decay·p);  m = lerp(m, g, 1 − β1);  v = β2·v + (1 − β2)·g²;
 *   denom = √v / √(1 − β2^t) + eps  (√max(v) with amsgrad);  p ← p − lr/(1 − β1^t) · m / denom.
 */
export class Adam extends Optimizer<AdamOptions> {
  /** AdamW's decoupled decay instead of L2 in the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}, default_weight_decay = 0) {
    const d: AdamOptions = {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weight_decay: options.weight_decay ?? default_weight_decay,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    };
    const name = new.target.name;
    if (!(d.lr >= 0)) throw new Error(`${name}: invalid learning rate: ${d.lr}`);
    if (!(d.eps >= 0)) throw new Error(`${name}: invalid epsilon value: ${d.eps}`);
    d.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new Error(`${name}: invalid beta parameter at index ${i}: ${b}`);
    });
    if (!(d.weight_decay >= 0)) throw new Error(`${name}: invalid weight_decay value: ${d.weight_decay}`);
    super(params, d);
  }

  protected update(p: Tensor, grad: Float32Array, g: ParamGroup<AdamOptions>, state: ParamState): void {
    const w = p.data as Float32Array;
    const n = w.length;
    const [beta1, beta2] = g.betas;
    const { eps, weight_decay: wd, amsgrad, maximize } = g;
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = new Tensor(new Float32Array(n), p.shape, 'float32');
      state.exp_avg_sq = new Tensor(new Float32Array(n), p.shape, 'float32');
      if (amsgrad) state.max_exp_avg_sq = new Tensor(new Float32Array(n), p.shape, 'float32');
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const m = (state.exp_avg as Tensor).data as Float32Array;
    const v = (state.exp_avg_sq as Tensor).data as Float32Array;
    if (this.decoupled && wd !== 0) {
      const keep = 1 - g.lr * wd;
      for (let i = 0; i < n; i++) w[i] = w[i] * keep;
    }
    const w1 = f(1 - beta1);
    const w2 = f(1 - beta2);
    const bc1 = 1 - beta1 ** step;
    const bc2_sqrt = Math.sqrt(1 - beta2 ** step);
    const neg_step = f(-g.lr / bc1);
    const vmax = amsgrad ? ((state.max_exp_avg_sq as Tensor).data as Float32Array) : null;
    for (let i = 0; i < n; i++) {
      let gi = maximize ? -grad[i] : grad[i];
      if (!this.decoupled && wd !== 0) gi = f(gi + wd * w[i]);
      // torch's lerp with weight < 0.5: m + w·(g − m)
      m[i] = m[i] + w1 * f(gi - m[i]);
      v[i] = f(v[i] * beta2) + w2 * gi * gi;
      let vi = v[i];
      if (vmax) {
        if (vi > vmax[i]) vmax[i] = vi;
        vi = vmax[i];
      }
      const denom = f(f(f(Math.sqrt(vi)) / bc2_sqrt) + eps);
      w[i] = w[i] + neg_step * f(m[i] / denom);
    }
  }
}

/** torch.optim.AdamW: Adam with decoupled weight decay (p ← p·(1 − lr·weight_decay) first); default decay 0.01. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, options, 0.01);
  }
}
