import { record_grad } from '../autograd/function.js';
import { fmt_shape } from '../tensor/dims.js';
import { define_function } from '../tensor/dispatch.js';
import { mul, sub } from '../tensor/ops/binary.js';
import { ne } from '../tensor/ops/compare.js';
import { log_softmax } from '../tensor/ops/softmax.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Loss functions (torch.nn.functional names, registered as 'F.<name>') and their modules. */

/** How per-element losses are combined: torch's `reduction`. */
export type Reduction = 'none' | 'mean' | 'sum';

/** Options of nll_loss / NLLLoss. */
export interface NLLLossOptions {
  /** Per-class rescaling weight [C]. */
  weight?: Tensor | null;
  /** Target value that contributes neither loss nor gradient (default −100). */
  ignore_index?: number;
  reduction?: Reduction;
}

/** Options of cross_entropy / CrossEntropyLoss. */
export interface CrossEntropyLossOptions extends NLLLossOptions {
  /** Mixes the one-hot target with the uniform distribution: (1 − ε)·onehot + ε/C. */
  label_smoothing?: number;
}

function check_reduction(r: string, op: string): Reduction {
  if (r !== 'none' && r !== 'mean' && r !== 'sum')
    throw new Error(`${op}: reduction must be 'none', 'mean' or 'sum', got '${r}'`);
  return r;
}

function reduce(x: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? x : reduction === 'sum' ? x.sum() : x.mean();
}

/** Shapes [N, C, *] / [N, *] (or unbatched [C] / []) as (n, c, inner). */
function class_layout(input: Tensor, target: Tensor, op: string): { n: number; c: number; inner: number } {
  if (target.dtype === 'float32' || target.is_quantized) {
    throw new Error(
      `${op}: expected target of an integer dtype (class indices, int64), got ${target.dtype} with shape ${fmt_shape(target.shape)}`,
    );
  }
  const is = input.shape;
  const unbatched = is.length === 1;
  const want = unbatched ? [] : [is[0], ...is.slice(2)];
  const ok = target.ndim === want.length && target.shape.every((d, i) => d === want[i]);
  if (is.length === 0 || !ok) {
    throw new Error(
      `${op}: input ${fmt_shape(is)} ([N, C, *] or [C]) needs target ${fmt_shape(want)} ([N, *]), got target ${fmt_shape(target.shape)}`,
    );
  }
  const c = unbatched ? is[0] : is[1];
  return { n: unbatched ? 1 : is[0], c, inner: unbatched ? 1 : is.slice(2).reduce((p, d) => p * d, 1) };
}

function nll_loss_impl(input: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
  return nll_core(input, target, options, 'nll_loss');
}

/** nll_loss, with `op` naming the public function in errors. */
function nll_core(input: Tensor, target: Tensor, options: NLLLossOptions, op: string): Tensor {
  const reduction = check_reduction(options.reduction ?? 'mean', op);
  const ignore = options.ignore_index ?? -100;
  const weight = options.weight ?? null;
  const { n, c, inner } = class_layout(input, target, op);
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== c)) {
    throw new Error(`${op}: weight should be a 1-D tensor of size C = ${c}, got ${fmt_shape(weight.shape)}`);
  }
  const x = input.data;
  const t = target.data;
  const w = weight?.data;
  const m = n * inner;
  const losses = new Float32Array(m);
  const wt = new Float64Array(m); // weight of each target, 0 where ignored
  let total_w = 0;
  let total = 0;
  for (let a = 0; a < n; a++) {
    for (let s = 0; s < inner; s++) {
      const j = a * inner + s;
      const cls = t[j];
      if (cls === ignore) continue;
      if (!Number.isInteger(cls) || cls < 0 || cls >= c) {
        throw new Error(`${op}: target ${cls} at position ${j} is out of bounds for ${c} classes`);
      }
      const wj = w ? w[cls] : 1;
      wt[j] = wj;
      losses[j] = -wj * x[(a * c + cls) * inner + s];
      total_w += wj;
      total += losses[j];
    }
  }
  const out =
    reduction === 'none'
      ? new Tensor(losses, target.shape, 'float32')
      : new Tensor(new Float32Array([reduction === 'sum' ? total : total / total_w]), [], 'float32');
  const in_shape = input.shape;
  return record_grad(out, [input], 'NllLossBackward', (g) => {
    const gd = g.data;
    const r = new Float32Array(x.length);
    for (let a = 0; a < n; a++) {
      for (let s = 0; s < inner; s++) {
        const j = a * inner + s;
        if (wt[j] === 0) continue;
        const gj = reduction === 'none' ? gd[j] : reduction === 'sum' ? gd[0] : gd[0] / total_w;
        r[(a * c + t[j]) * inner + s] = -wt[j] * gj;
      }
    }
    return [new Tensor(r, in_shape, 'float32')];
  });
}

/** Reshapes a [C] class weight to broadcast against [N, C, *] (or [C]) inputs. */
function class_weight_view(weight: Tensor, input: Tensor): Tensor {
  return input.ndim <= 2 ? weight : weight.reshape([weight.shape[0], ...input.shape.slice(2).map(() => 1)]);
}

function cross_entropy_impl(input: Tensor, target: Tensor, options: CrossEntropyLossOptions = {}): Tensor {
  const reduction = check_reduction(options.reduction ?? 'mean', 'cross_entropy');
  const eps = options.label_smoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new Error(`cross_entropy: label_smoothing must be in [0, 1], got ${eps}`);
  if (input.ndim === 0)
    throw new Error('cross_entropy: input must have at least 1 dim ([N, C, *] or [C]), got a 0-d tensor');
  const class_dim = input.ndim === 1 ? 0 : 1;
  const c = input.shape[class_dim];
  const weight = options.weight ?? null;
  const logp = log_softmax(input, class_dim);
  if (target.dtype === 'float32') return soft_target_loss(logp, target, weight, eps, reduction, class_dim);
  const nll = nll_core(logp, target, { ...options, reduction }, 'cross_entropy');
  if (eps === 0) return nll;
  // torch: (1 − ε)·nll + ε/C · smooth, smooth = −Σ_c w_c·logp_c with ignored positions zeroed
  const { n, inner } = class_layout(input, target, 'cross_entropy');
  const weighted = weight ? mul(logp, class_weight_view(weight, input)) : logp;
  let smooth = weighted.sum(class_dim).neg();
  const ignore = options.ignore_index ?? -100;
  const keep = ne(target, ignore);
  smooth = mul(smooth, keep.to('float32'));
  let smooth_red: Tensor;
  if (reduction === 'none') smooth_red = smooth;
  else if (reduction === 'sum') smooth_red = smooth.sum();
  else if (weight) {
    // normalised by the summed weights of the kept targets, like nll_loss's mean
    let tw = 0;
    for (let j = 0; j < n * inner; j++) if (target.data[j] !== ignore) tw += weight.data[target.data[j]];
    smooth_red = smooth.sum().div(tw);
  } else smooth_red = smooth.mean();
  return nll.mul(1 - eps).add(smooth_red.mul(eps / c));
}

/** Class-probability targets: −Σ_c w_c·p_c·logp_c per sample, with p smoothed towards uniform. */
function soft_target_loss(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | null,
  eps: number,
  reduction: Reduction,
  class_dim: number,
): Tensor {
  if (target.ndim !== logp.ndim || target.shape.some((d, i) => d !== logp.shape[i])) {
    throw new Error(
      `cross_entropy: a float32 target is read as class probabilities and must have the input's shape ${fmt_shape(logp.shape)}, got ${fmt_shape(target.shape)} (class-index targets must be int64)`,
    );
  }
  const c = logp.shape[class_dim];
  const p = eps > 0 ? target.mul(1 - eps).add(eps / c) : target;
  const weighted = weight ? mul(logp, class_weight_view(weight, logp)) : logp;
  const per = mul(weighted, p).sum(class_dim).neg();
  // torch divides the 'mean' by the number of samples (N·d…), not by summed weights
  return reduce(per, reduction);
}

function mse_loss_impl(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const reduction = check_reduction(options.reduction ?? 'mean', 'mse_loss');
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    // torch broadcasts here with a warning; a mismatch is almost always a bug, so fxq refuses it
    throw new Error(
      `mse_loss: input ${fmt_shape(input.shape)} and target ${fmt_shape(target.shape)} must have the same shape`,
    );
  }
  const d = sub(input, target);
  return reduce(mul(d, d), reduction);
}

/** F.nll_loss(input, target, { weight, ignore_index = −100, reduction = 'mean' }) on log-probabilities. */
export const nll_loss = define_function('F.nll_loss', nll_loss_impl);
/**
 * F.cross_entropy(input [N, C, *], target, { weight, ignore_index, reduction, label_smoothing }):
 * log_softmax + nll_loss for class-index targets (int64), or −Σ p·logp for probability targets.
 */
export const cross_entropy = define_function('F.cross_entropy', cross_entropy_impl);
/** F.mse_loss(input, target, { reduction = 'mean' }): mean of squared differences. */
export const mse_loss = define_function('F.mse_loss', mse_loss_impl);

/** nn.NLLLoss: nll_loss as a module; `weight` is a buffer, as torch's _WeightedLoss. */
export class NLLLoss extends Module {
  ignore_index: number;
  reduction: Reduction;
  declare weight: Tensor | null;
  constructor(options: NLLLossOptions = {}) {
    super();
    this.register_buffer('weight', options.weight ?? null);
    this.ignore_index = options.ignore_index ?? -100;
    this.reduction = check_reduction(options.reduction ?? 'mean', 'NLLLoss');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nll_loss(input, target, { weight: this.weight, ignore_index: this.ignore_index, reduction: this.reduction });
  }
}

/** nn.CrossEntropyLoss. */
export class CrossEntropyLoss extends Module {
  ignore_index: number;
  reduction: Reduction;
  label_smoothing: number;
  declare weight: Tensor | null;
  constructor(options: CrossEntropyLossOptions = {}) {
    super();
    this.register_buffer('weight', options.weight ?? null);
    this.ignore_index = options.ignore_index ?? -100;
    this.reduction = check_reduction(options.reduction ?? 'mean', 'CrossEntropyLoss');
    this.label_smoothing = options.label_smoothing ?? 0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return cross_entropy(input, target, {
      weight: this.weight,
      ignore_index: this.ignore_index,
      reduction: this.reduction,
      label_smoothing: this.label_smoothing,
    });
  }
  extra_repr(): string {
    return this.label_smoothing ? `label_smoothing=${this.label_smoothing}` : '';
  }
}

/** nn.MSELoss. */
export class MSELoss extends Module {
  reduction: Reduction;
  constructor(options: { reduction?: Reduction } = {}) {
    super();
    this.reduction = check_reduction(options.reduction ?? 'mean', 'MSELoss');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mse_loss(input, target, { reduction: this.reduction });
  }
}
