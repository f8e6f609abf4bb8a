/**
 * torch.nn.utils.fusion: BatchNorm folded into the preceding Conv2d / Linear for inference.
 * Every step is rounded to float32 in torch's order of operations, so the folded weights match
 * PyTorch's bit for bit (checked against the reference model's converted biases).
 */
import { Tensor } from '../../tensor/tensor.js';
import type { Conv2d } from '../layers/conv.js';
import type { Linear } from '../layers/linear.js';
import type { _BatchNorm } from '../layers/normalization.js';
import { Parameter } from '../parameter.js';
import { deepcopy } from './deepcopy.js';

const f32 = Math.fround;

function fmt(t: Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

function check_vec(t: Tensor | null, n: number, what: string, where: string): void {
  if (t === null) return;
  if (t.dtype !== 'float32' || t.is_quantized)
    throw new Error(`${where}: ${what} must be a float32 tensor, got ${t.dtype} ${fmt(t)}`);
  if (t.ndim !== 1 || t.shape[0] !== n)
    throw new Error(`${where}: ${what} must have shape [${n}] (one per BatchNorm feature), got ${fmt(t)}`);
}

/** rsqrt(running_var + eps) in float32, as torch.rsqrt computes it (1 / sqrt, each rounded). */
function var_rsqrt(bn_rv: Tensor, bn_eps: number): Float32Array {
  const eps = f32(bn_eps);
  const out = new Float32Array(bn_rv.numel());
  for (let c = 0; c < out.length; c++) out[c] = f32(1 / f32(Math.sqrt(f32(bn_rv.data[c] + eps))));
  return out;
}

/**
 * fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=false):
 * w' = w · (γ · rsqrt(var + eps)) per output channel; b' = (b − mean) · rsqrt(var + eps) · γ + β.
 * A missing conv bias is zeros, a missing γ ones, a missing β zeros. Returns new Parameters
 * (requires_grad copied from the conv's weight and bias, as torch does).
 */
export function fuse_conv_bn_weights(
  conv_w: Tensor,
  conv_b: Tensor | null,
  bn_rm: Tensor,
  bn_rv: Tensor,
  bn_eps: number,
  bn_w: Tensor | null,
  bn_b: Tensor | null,
  transpose = false,
): [Parameter, Parameter] {
  const where = 'fuse_conv_bn_weights';
  const n = bn_rm.numel();
  check_vec(bn_rm, n, 'bn running_mean', where);
  check_vec(bn_rv, n, 'bn running_var', where);
  check_vec(bn_w, n, 'bn weight', where);
  check_vec(bn_b, n, 'bn bias', where);
  if (conv_w.dtype !== 'float32' || conv_w.ndim < 2)
    throw new Error(`${where}: conv weight must be a float32 tensor of 2+ dims, got ${conv_w.dtype} ${fmt(conv_w)}`);
  // the BN channel axis of the weight: out channels (0), or dim 1 of a transposed conv's [in, out/groups, …]
  const axis = transpose ? 1 : 0;
  if (conv_w.shape[axis] !== n) {
    throw new Error(
      `${where}: conv weight ${fmt(conv_w)} has ${conv_w.shape[axis]} output channels but BatchNorm has ${n} features`,
    );
  }
  check_vec(conv_b, n, 'conv bias', where);
  const rsqrt = var_rsqrt(bn_rv, bn_eps);
  const scale = new Float32Array(n);
  for (let c = 0; c < n; c++) scale[c] = bn_w === null ? rsqrt[c] : f32(bn_w.data[c] * rsqrt[c]);
  const w = conv_w.data;
  const fw = new Float32Array(w.length);
  const inner = conv_w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < w.length; i++) fw[i] = f32(w[i] * scale[Math.floor(i / inner) % n]);
  const fb = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const b = conv_b === null ? 0 : conv_b.data[c];
    const centred = f32(f32(b - bn_rm.data[c]) * rsqrt[c]);
    const scaled = bn_w === null ? centred : f32(centred * bn_w.data[c]);
    fb[c] = bn_b === null ? scaled : f32(scaled + bn_b.data[c]);
  }
  return [
    new Parameter(new Tensor(fw, conv_w.shape, 'float32'), conv_w.requires_grad),
    new Parameter(new Tensor(fb, [n], 'float32'), conv_b?.requires_grad ?? false),
  ];
}

/**
 * Checks that `mod` and `bn` are in eval mode and that bn tracks running statistics, and returns bn's
 * (running_mean, running_var, eps, weight, bias) in the argument order of the fuse_*_bn_weights functions.
 */
function eval_bn_stats(
  mod: { training: boolean },
  bn: _BatchNorm,
  where: string,
): [Tensor, Tensor, number, Tensor | null, Tensor | null] {
  if (mod.training || bn.training) {
    throw new Error(
      `${where}: Fusion only for eval! (${mod.constructor.name}.training=${mod.training}, ${bn.constructor.name}.training=${bn.training}); call .eval() first`,
    );
  }
  if (bn.running_mean === null || bn.running_var === null) {
    throw new Error(`${where}: ${bn.constructor.name} has no running statistics (track_running_stats=false)`);
  }
  return [bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias];
}

/**
 * fuse_conv_bn_eval(conv, bn, transpose=false): a new Conv2d (a deep copy of `conv`) whose weight
 * and bias fold in the eval-mode BatchNorm, so conv'(x) = bn(conv(x)). Both must be in eval mode.
 */
export function fuse_conv_bn_eval<C extends Conv2d>(conv: C, bn: _BatchNorm, transpose = false): C {
  const stats = eval_bn_stats(conv, bn, 'fuse_conv_bn_eval');
  const fused = deepcopy(conv);
  [fused.weight, fused.bias] = fuse_conv_bn_weights(fused.weight, fused.bias, ...stats, transpose);
  return fused;
}

/**
 * fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b): with
 * s = γ · rsqrt(var + eps), w' = w · s per output row and b' = (b − mean) · s + β (torch's order).
 * BatchNorm may have out_features features, or 1 (broadcast to every output).
 */
export function fuse_linear_bn_weights(
  linear_w: Tensor,
  linear_b: Tensor | null,
  bn_rm: Tensor,
  bn_rv: Tensor,
  bn_eps: number,
  bn_w: Tensor | null,
  bn_b: Tensor | null,
): [Parameter, Parameter] {
  const where = 'fuse_linear_bn_weights';
  if (linear_w.dtype !== 'float32' || linear_w.ndim !== 2)
    throw new Error(
      `${where}: linear weight must be a float32 [out, in] tensor, got ${linear_w.dtype} ${fmt(linear_w)}`,
    );
  const [out_f, in_f] = linear_w.shape;
  const n = bn_rm.numel();
  if (n !== out_f && n !== 1) {
    throw new Error(
      `${where}: To fuse, linear.out_features == bn.num_features or bn.num_features == 1 (linear weight ${fmt(linear_w)}, BatchNorm has ${n} features)`,
    );
  }
  for (const [t, what] of [
    [bn_rm, 'bn running_mean'],
    [bn_rv, 'bn running_var'],
    [bn_w, 'bn weight'],
    [bn_b, 'bn bias'],
  ] as const)
    check_vec(t, n, what, where);
  check_vec(linear_b, out_f, 'linear bias', where);
  const rsqrt = var_rsqrt(bn_rv, bn_eps);
  const scale = new Float32Array(n);
  for (let c = 0; c < n; c++) scale[c] = bn_w === null ? rsqrt[c] : f32(bn_w.data[c] * rsqrt[c]);
  const ch = (o: number): number => (n === 1 ? 0 : o);
  const w = linear_w.data;
  const fw = new Float32Array(w.length);
  for (let o = 0; o < out_f; o++) {
    const s = scale[ch(o)];
    for (let i = 0; i < in_f; i++) fw[o * in_f + i] = f32(w[o * in_f + i] * s);
  }
  const fb = new Float32Array(out_f);
  for (let o = 0; o < out_f; o++) {
    const c = ch(o);
    const b = linear_b === null ? 0 : linear_b.data[o];
    const scaled = f32(f32(b - bn_rm.data[c]) * scale[c]);
    fb[o] = bn_b === null ? scaled : f32(scaled + bn_b.data[c]);
  }
  return [
    new Parameter(new Tensor(fw, linear_w.shape, 'float32'), linear_w.requires_grad),
    new Parameter(new Tensor(fb, [out_f], 'float32'), linear_b?.requires_grad ?? false),
  ];
}

/**
 * fuse_linear_bn_eval(linear, bn): a new Linear (a deep copy) folding in the eval-mode BatchNorm1d
 * that follows it; bn must have out_features features or 1.
 */
export function fuse_linear_bn_eval<L extends Linear>(linear: L, bn: _BatchNorm): L {
  const stats = eval_bn_stats(linear, bn, 'fuse_linear_bn_eval');
  const fused = deepcopy(linear);
  [fused.weight, fused.bias] = fuse_linear_bn_weights(fused.weight, fused.bias, ...stats);
  return fused;
}
