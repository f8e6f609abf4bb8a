/**
 * The graph spellings of a clamp (ReLU6, hardtanh, clamp) with their float bounds, for the fxq backend
 * config's fused `op → clamp` rows (types.ts StaticVariant.fused_clamp): the observer goes after the clamp and
 * the bounds become the int8 conv's / linear's output clamp. Bounds that are not plain numbers (a tensor
 * min) make the row not match, and the clamp stays a node of its own.
 */
import { Hardtanh, ReLU6 } from '../../nn/layers/activation.js';
import type { Module } from '../../nn/module.js';
import { hardtanh_bounds } from '../functional/activations.js';
import type { QParams } from '../qtensor.js';
import type { ClampForm, PatternNode } from './types.js';

/** A bound as given (number, null or undefined = none); NaN when it is something else (a tensor). */
function bound(v: unknown, none: number): number {
  if (v === null || v === undefined) return none;
  return typeof v === 'number' && !Number.isNaN(v) ? v : Number.NaN;
}

/** [lo, hi] when both are numbers with lo < hi, else null. */
function pair(lo: number, hi: number): [number, number] | null {
  return Number.isNaN(lo) || Number.isNaN(hi) || !(hi > lo) ? null : [lo, hi];
}

/** Arg `i` of a node, else its keyword `kw` (undefined when neither). */
const arg = (n: PatternNode, i: number, kw: string): unknown => (n.args.length > i ? n.args[i] : n.kwargs[kw]);

const hardtanh_module = (_n: PatternNode, m: Module | null): [number, number] | null => {
  const h = m as Hardtanh | null;
  return h ? pair(bound(h.min_val, -1), bound(h.max_val, 1)) : null;
};
/** F.hardtanh(x, { min_val, max_val }) and hardtanh(x, min_val, max_val). */
const hardtanh_options = (n: PatternNode): [number, number] | null => {
  const o = n.args[1];
  if (o !== null && typeof o === 'object') {
    const r = o as { min_val?: unknown; max_val?: unknown };
    return pair(bound(r.min_val, -1), bound(r.max_val, 1));
  }
  return pair(bound(o, -1), bound(arg(n, 2, 'max_val'), 1));
};
const clamp_args = (n: PatternNode): [number, number] | null => {
  const lo = bound(arg(n, 1, 'min'), Number.NEGATIVE_INFINITY);
  const hi = bound(arg(n, 2, 'max'), Number.POSITIVE_INFINITY);
  return lo === Number.NEGATIVE_INFINITY && hi === Number.POSITIVE_INFINITY ? null : pair(lo, hi);
};
const zero_six = (): [number, number] => [0, 6];

/** Every clamp spelling the fused rows accept, in match order. */
export const CLAMP_FORMS: readonly ClampForm[] = [
  { name: 'relu6', op: { module: ReLU6 }, bounds: zero_six },
  { name: 'relu6', op: { function: 'F.relu6' }, bounds: zero_six },
  { name: 'relu6', op: { function: 'relu6' }, bounds: zero_six },
  { name: 'hardtanh', op: { module: Hardtanh }, bounds: hardtanh_module },
  { name: 'hardtanh', op: { function: 'F.hardtanh' }, bounds: hardtanh_options },
  { name: 'hardtanh', op: { function: 'hardtanh' }, bounds: hardtanh_options },
  { name: 'clamp', op: { function: 'clamp' }, bounds: clamp_args },
  { name: 'clamp', op: { method: 'clamp' }, bounds: clamp_args },
];

/**
 * The integer output clamp [lo, hi] of float bounds at the output qparams: torch's quantized clamp bounds
 * (quantize(min), quantize(max), within 0..255; a missing bound is the end of the range).
 */
export function clamp_to_levels(qp: QParams, [lo, hi]: readonly [number, number]): [number, number] {
  const [qlo, qhi] = hardtanh_bounds(qp, Number.isFinite(lo) ? lo : 0, Number.isFinite(hi) ? hi : 0);
  return [lo === Number.NEGATIVE_INFINITY ? 0 : qlo, hi === Number.POSITIVE_INFINITY ? 255 : qhi];
}
