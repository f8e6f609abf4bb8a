import { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerDefaults, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';

/** Hyper-parameters of SGD (torch's names and defaults). */
export interface SGDOptions extends OptimizerDefaults {
  momentum: number;
  dampening: number;
  weight_decay: number;
  nesterov: boolean;
  maximize: boolean;
}

const f = Math.fround;

/**
 * torch.optim.SGD. Per parameter, in float32 as torch's tensor ops round:
 *   d = g (+ weight_decay·p);  buf = d on the first step, else momentum·buf + (1 − dampening)·d;
 *   d = nesterov ? d + momentum·buf : buf;  p ← p − lr·d.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    const d: SGDOptions = {
      lr: options.lr ?? 1e-3,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weight_decay: options.weight_decay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    };
    if (!(d.lr >= 0)) throw new Error(`SGD: invalid learning rate: ${d.lr}`);
    if (!(d.momentum >= 0)) throw new Error(`SGD: invalid momentum value: ${d.momentum}`);
    if (!(d.weight_decay >= 0)) throw new Error(`SGD: invalid weight_decay value: ${d.weight_decay}`);
    if (d.nesterov && (d.momentum <= 0 || d.dampening !== 0)) {
      throw new Error('SGD: nesterov momentum requires a momentum and zero dampening');
    }
    super(params, d);
  }

  protected update(p: Tensor, grad: Float32Array, g: ParamGroup<SGDOptions>, state: ParamState): void {
    const w = p.data as Float32Array;
    const n = w.length;
    const { momentum, dampening, weight_decay: wd, nesterov, maximize } = g;
    const lr = f(g.lr);
    let d: Float32Array = grad;
    if (maximize || wd !== 0) {
      d = new Float32Array(n);
      for (let i = 0; i < n; i++) d[i] = (maximize ? -grad[i] : grad[i]) + wd * w[i];
    }
    if (momentum !== 0) {
      let buf = state.momentum_buffer as Tensor | undefined;
      if (!buf) {
        buf = new Tensor(Float32Array.from(d), p.shape, 'float32');
        state.momentum_buffer = buf;
      } else {
        const b = buf.data as Float32Array;
        const keep = 1 - dampening;
        for (let i = 0; i < n; i++) b[i] = f(b[i] * momentum) + keep * d[i];
      }
      const b = buf.data as Float32Array;
      if (nesterov) {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = d[i] + momentum * b[i];
        d = out;
      } else d = b;
    }
    for (let i = 0; i < n; i++) w[i] = w[i] - lr * d[i];
  }
}
