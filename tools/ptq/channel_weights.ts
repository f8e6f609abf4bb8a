/**
 * Per-channel views of conv / linear weights for cross-layer equalization: the range of each output channel's
 * weights, the range of the weights reading each input channel (groups respected: a depthwise conv's input
 * channel i is its filter i), and in-place rescaling of both.
 */
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import type { Linear } from '../../runtime/nn/layers/linear.js';
import { Tensor } from '../../runtime/tensor/tensor.js';

type Weighted = Conv2d | Linear;

/** max |W[i, …]| per output channel i. */
export function channel_ranges(w: Tensor): Float64Array {
  const oc = w.shape[0];
  const d = w.contiguous().data as Float32Array;
  const k = d.length / oc;
  const r = new Float64Array(oc);
  for (let o = 0; o < oc; o++) for (let j = 0; j < k; j++) r[o] = Math.max(r[o], Math.abs(d[o * k + j]));
  return r;
}

/** Visits every weight index reading input channel i: f(i, flat index). */
function each_input(m: Weighted, f: (i: number, idx: number) => void): number {
  const w = m.weight as Tensor;
  const [oc, cg] = w.shape;
  const per = w.numel() / (oc * cg);
  const groups = m instanceof Conv2d ? m.groups : 1;
  const og = oc / groups;
  for (let o = 0; o < oc; o++) {
    const g = Math.floor(o / og);
    for (let j = 0; j < cg; j++) for (let t = 0; t < per; t++) f(g * cg + j, (o * cg + j) * per + t);
  }
  return cg * groups;
}

/** max |W[:, i, …]| per input channel i. */
export function input_channel_ranges(m: Weighted): Float64Array {
  const d = (m.weight as Tensor).data as Float32Array;
  const w = m.weight as Tensor;
  const cin = m instanceof Conv2d ? w.shape[1] * m.groups : w.shape[1];
  const r = new Float64Array(cin);
  each_input(m, (i, idx) => {
    r[i] = Math.max(r[i], Math.abs(d[idx]));
  });
  return r;
}

/** W[i, …] /= s_i and b[i] /= s_i. */
export function scale_output_channels(m: Weighted, s: ArrayLike<number>): void {
  const d = (m.weight as Tensor).data as Float32Array;
  const k = d.length / s.length;
  for (let o = 0; o < s.length; o++) for (let j = 0; j < k; j++) d[o * k + j] = Math.fround(d[o * k + j] / s[o]);
  const b = (m as unknown as { bias: unknown }).bias;
  if (b instanceof Tensor) {
    const bd = b.data as Float32Array;
    for (let o = 0; o < s.length; o++) bd[o] = Math.fround(bd[o] / s[o]);
  }
}

/** W[:, i, …] *= s_i. */
export function scale_input_channels(m: Weighted, s: ArrayLike<number>): void {
  const d = (m.weight as Tensor).data as Float32Array;
  each_input(m, (i, idx) => {
    d[idx] = Math.fround(d[idx] * s[i]);
  });
}
