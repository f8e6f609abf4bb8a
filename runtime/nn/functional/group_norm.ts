/**
 * F.group_norm and F.instance_norm, composed of differentiable tensor ops (so their gradients come from
 * the ops' own backward): the channels of each sample are split into groups and every group is normalised
 * by its own mean and biased variance, y = (x − E[x]) / √(Var[x] + eps) · γ + β with per-channel γ, β
 * (torch.nn.GroupNorm's docs). Instance norm is group norm with one group per channel; with running
 * statistics it updates them as torch does — the batch mean of the per-instance means, and of the
 * per-instance *unbiased* variances — and in eval mode (use_input_stats false) it is batch_norm on them.
 */
import { no_grad } from '../../autograd/grad_mode.js';
import { define_function } from '../../tensor/dispatch.js';
import { add, div, mul, sub } from '../../tensor/ops/binary.js';
import type { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt } from './_util.js';
import { batch_norm } from './normalization.js';

function check_channel_vec(t: Tensor | null, c: number, op: string, what: string): void {
  if (t === null) return;
  check_float(t, op, what);
  if (t.numel() !== c) throw new Error(`${op}: ${what} must have ${c} elements (one per channel), got ${fmt(t.shape)}`);
}

/** x normalised over groups of `per` channels; also the per-group mean and biased variance (detached). */
function normalize_groups(x: Tensor, groups: number, eps: number): { y: Tensor; mean: Tensor; var_: Tensor } {
  const n = x.shape[0];
  const g = x.reshape(n, groups, -1);
  const mean = g.mean(2, true);
  const v = g.var(2, { correction: 0, keepdim: true });
  const y = div(sub(g, mean), add(v, eps).sqrt()).reshape(x.shape);
  return { y, mean: mean.detach(), var_: v.detach() };
}

/** γ·y + β with γ, β of shape [C] broadcast over [N, C, ...]. */
function affine(y: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
  const shape = [1, y.shape[1], ...new Array<number>(y.ndim - 2).fill(1)];
  if (weight !== null) y = mul(y, weight.reshape(shape));
  if (bias !== null) y = add(y, bias.reshape(shape));
  return y;
}

/** Options of F.group_norm. */
export interface GroupNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** F.group_norm(input [N, C, ...], num_groups, {weight, bias, eps=1e-5}). */
export const group_norm = define_function(
  'F.group_norm',
  (input: Tensor, num_groups: number, options: GroupNormOptions = {}): Tensor => {
    const op = 'F.group_norm';
    check_float(input, op);
    if (input.ndim < 2) throw new Error(`${op}: expected an input [N, C, ...], got ${fmt(input.shape)}`);
    const c = input.shape[1];
    if (!(Number.isInteger(num_groups) && num_groups >= 1 && c % num_groups === 0))
      throw new Error(`${op}: num_channels (${c}) must be divisible by num_groups (${num_groups})`);
    const { weight = null, bias = null } = options;
    check_channel_vec(weight, c, op, 'weight');
    check_channel_vec(bias, c, op, 'bias');
    return affine(normalize_groups(input, num_groups, options.eps ?? 1e-5).y, weight, bias);
  },
);

/** Options of F.instance_norm (torch's keyword arguments). */
export interface InstanceNormOptions {
  running_mean?: Tensor | null;
  running_var?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with each instance's own statistics (default); false uses the running ones. */
  use_input_stats?: boolean;
  momentum?: number;
  eps?: number;
}

/** F.instance_norm(input [N, C, ...], {running_mean, running_var, weight, bias, use_input_stats=true, momentum=0.1, eps=1e-5}). */
export const instance_norm = define_function(
  'F.instance_norm',
  (input: Tensor, options: InstanceNormOptions = {}): Tensor => {
    const op = 'F.instance_norm';
    check_float(input, op);
    if (input.ndim < 3) throw new Error(`${op}: expected an input [N, C, *spatial], got ${fmt(input.shape)}`);
    const [n, c] = input.shape;
    const { running_mean = null, running_var = null, weight = null, bias = null } = options;
    for (const [t, what] of [
      [running_mean, 'running_mean'],
      [running_var, 'running_var'],
      [weight, 'weight'],
      [bias, 'bias'],
    ] as const)
      check_channel_vec(t, c, op, what);
    const eps = options.eps ?? 1e-5;
    if (!(options.use_input_stats ?? true)) {
      if (running_mean === null || running_var === null)
        throw new Error(`${op}: use_input_stats=false needs running_mean and running_var`);
      return batch_norm(input, running_mean, running_var, { weight, bias, training: false, eps });
    }
    const count = input.numel() / (n * c);
    if (count <= 1)
      throw new Error(`${op}: expected more than 1 spatial element when training, got input size ${fmt(input.shape)}`);
    const { y, mean, var_ } = normalize_groups(input, c, eps);
    if (running_mean !== null || running_var !== null) {
      const m = options.momentum ?? 0.1;
      no_grad(() => {
        const update = (run: Tensor | null, stat: Float32Array, unbias: number) => {
          if (run === null) return;
          const r = run.data;
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let i = 0; i < n; i++) s += stat[i * c + ch] * unbias;
            r[ch] = Math.fround((1 - m) * r[ch] + (m * s) / n);
          }
        };
        update(running_mean, mean.data as Float32Array, 1);
        update(running_var, var_.data as Float32Array, count / (count - 1));
      });
    }
    return affine(y, weight, bias);
  },
);
