/**
 * Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization through Weight Equalization and Bias
 * Correction") on the traced graph, after fuse_fx folded eval BatchNorm: for consecutive layers A → act → B with a
 * positively homogeneous act (ReLU, or nothing), output channel i of A is divided by s_i and input channel i of B
 * multiplied by s_i, s_i = sqrt(r1_i / r2_i) = sqrt(r1_i·r2_i) / r2_i (r1: range of A's channel-i weights, r2:
 * range of B's weights reading channel i), which leaves the float function unchanged and equalizes both ranges
 * to sqrt(r1·r2). Pairs: conv → conv, conv → depthwise conv → conv (two pairs sharing the depthwise conv), linear
 * → linear, through max / average pooling too; every pair is rescaled in turn until no scale moves more than `tolerance`.
 * ReLU6 is not positively homogeneous: by default (`relu6: 'relu'`, as AIMET and the paper for MobileNetV2) the
 * ReLU6 of a pair is replaced by ReLU first, which changes the float function where activations exceed 6;
 * `relu6: 'stop'` leaves those pairs alone. Hardswish and other activations end a chain.
 * High-bias absorption (optional, needs the BatchNorm statistics from bn_statistics): c_i = max(0, β_i − 3γ_i)
 * (after scaling) moves from A's bias into B's bias (B.b += W_B · c), approximate at zero-padded borders.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Node } from '../../compiler/ir/node.js';
import { fuse_fx } from '../../compiler/quantize_fx.js';
import { ReLU, ReLU6 } from '../../runtime/nn/layers/activation.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { Dropout } from '../../runtime/nn/layers/misc.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../runtime/nn/layers/pooling.js';
import type { Module } from '../../runtime/nn/module.js';
import { deepcopy } from '../../runtime/nn/utils/deepcopy.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { type BnStatistics, bn_statistics } from './bn_statistics.js';
import {
  channel_ranges,
  input_channel_ranges,
  scale_input_channels,
  scale_output_channels,
} from './channel_weights.js';
import { bias_of, set_bias, weighted_of } from './layers.js';

/** Options of equalize. */
export interface EqualizeOptions {
  /** What to do with a ReLU6 between two layers (default 'relu': replace it by ReLU). */
  relu6?: 'relu' | 'stop';
  /** Stop when every |s − 1| ≤ tolerance in a sweep (default 1e-6), or after max_iterations sweeps (default 100). */
  tolerance?: number;
  max_iterations?: number;
  /** High-bias absorption with BN statistics (default false). */
  bias_absorption?: boolean;
}

/** One equalized pair: module paths, what sits between them, and the final per-channel scales. */
export interface EqualizedPair {
  first: string;
  second: string;
  activation: 'relu' | 'relu6→relu' | 'none';
  /** Product of every sweep's s_i (A's channel i was divided by it). */
  scales: Float64Array;
  /** Absorbed bias c_i (high-bias absorption), or null. */
  absorbed: Float64Array | null;
}

/** What equalize did. */
export interface EqualizationReport {
  pairs: EqualizedPair[];
  sweeps: number;
  /** Largest |s − 1| of the last sweep. */
  last_change: number;
  /** BN statistics of the float model moved with the scaling and absorption (β/s − c, γ/s): analytic bias correction. */
  bn_statistics: Map<string, BnStatistics>;
}

type Act = EqualizedPair['activation'];

const POOLS = new Set(['max_pool2d', 'avg_pool2d', 'adaptive_avg_pool2d', 'dropout']);

/**
 * What a node between two layers is: 'relu' / 'relu6', 'pass' for per-channel positively homogeneous ops that
 * commute with the scaling (max / average pooling, eval dropout), or null (ends the chain).
 */
function activation_kind(gm: GraphModule, n: Node): 'relu' | 'relu6' | 'pass' | null {
  if (n.op === 'call_module') {
    const m = gm.get_submodule(n.target);
    if (m instanceof ReLU6) return 'relu6';
    if (m instanceof ReLU) return 'relu';
    if (m instanceof MaxPool2d || m instanceof AvgPool2d || m instanceof AdaptiveAvgPool2d || m instanceof Dropout)
      return 'pass';
    return null;
  }
  if (n.op === 'call_function' || n.op === 'call_method') {
    const t = String(n.target).replace(/^F\./, '');
    if (t === 'relu' || t === 'relu_') return 'relu';
    if (t === 'relu6') return 'relu6';
    if (POOLS.has(t)) return 'pass';
  }
  return null;
}

/** A fused module whose activation is built in (ConvReLU2d, LinearReLU: child '1' a ReLU). */
function inner_activation(m: Module): Act {
  const second = (m as unknown as Record<string, unknown>)['1'];
  return second instanceof ReLU ? 'relu' : 'none';
}

interface Pair {
  a: string;
  b: string;
  act: Act;
  relu6_nodes: Node[];
}

/** The equalizable pairs of a fused GraphModule, in graph order. */
export function find_equalization_pairs(gm: GraphModule, relu6: 'relu' | 'stop' = 'relu'): Pair[] {
  const pairs: Pair[] = [];
  for (const node of gm.graph.nodes) {
    if (node.op !== 'call_module') continue;
    const ma = gm.get_submodule(node.target);
    const wa = weighted_of(ma);
    if (!wa) continue;
    let act: Act = inner_activation(ma);
    const relu6_nodes: Node[] = [];
    let cur = node;
    for (;;) {
      if (cur.users.size !== 1) break;
      const next = [...cur.users][0] as Node;
      const kind = activation_kind(gm, next);
      if (kind === 'pass') {
        cur = next;
        continue;
      }
      if (kind === null || act !== 'none') {
        cur = next;
        break;
      }
      if (kind === 'relu6') {
        if (relu6 === 'stop') break;
        relu6_nodes.push(next);
        act = 'relu6→relu';
      } else act = 'relu';
      cur = next;
    }
    if (cur === node || cur.op !== 'call_module') continue;
    const wb = weighted_of(gm.get_submodule(cur.target));
    if (!wb) continue;
    const out_a = (wa.weight as Tensor).shape[0];
    const in_b = wb instanceof Conv2d ? (wb.weight as Tensor).shape[1] * wb.groups : (wb.weight as Tensor).shape[1];
    if (out_a !== in_b || wa instanceof Conv2d !== wb instanceof Conv2d) continue;
    pairs.push({ a: node.target, b: cur.target, act, relu6_nodes });
  }
  return pairs;
}

/**
 * equalize(model, options): fuse_fx(model) (model in eval mode: BN folded), then cross-layer equalization of every
 * pair; returns the equalized GraphModule (pass it to prepare_fx) and a report. Each rescaled node gets
 * `meta.equalization` ("÷ s (with B)" / "× s (with A)"), shown by `describe_equalization(gm)`.
 */
export function equalize(
  model: Module,
  options: EqualizeOptions = {},
): { model: GraphModule; report: EqualizationReport } {
  const bn = bn_statistics(model);
  const gm = fuse_fx(deepcopy(model)); // fuse_fx shares the weight tensors: rescale a copy
  const pairs = find_equalization_pairs(gm, options.relu6 ?? 'relu');
  for (const p of pairs) {
    for (const n of p.relu6_nodes) {
      if (n.op === 'call_module') gm.set_submodule(n.target, new ReLU());
      else n.target = 'relu';
    }
  }
  if (pairs.some((p) => p.relu6_nodes.length)) gm.recompile();
  const mod = (path: string) => weighted_of(gm.get_submodule(path)) as NonNullable<ReturnType<typeof weighted_of>>;
  const total = pairs.map((p) => new Float64Array((mod(p.a).weight as Tensor).shape[0]).fill(1));
  const tol = options.tolerance ?? 1e-6;
  const max_it = options.max_iterations ?? 100;
  let sweeps = 0;
  let change = Infinity;
  while (sweeps < max_it && change > tol) {
    change = 0;
    pairs.forEach((p, pi) => {
      const a = mod(p.a);
      const b = mod(p.b);
      const r1 = channel_ranges(a.weight as Tensor);
      const r2 = input_channel_ranges(b);
      const s = r1.map((v, i) => (v > 0 && r2[i] > 0 ? Math.sqrt(v / r2[i]) : 1));
      scale_output_channels(a, s);
      scale_input_channels(b, s);
      for (let i = 0; i < s.length; i++) {
        total[pi][i] *= s[i];
        change = Math.max(change, Math.abs(s[i] - 1));
      }
    });
    sweeps++;
  }
  const report: EqualizedPair[] = pairs.map((p, pi) => ({
    first: p.a,
    second: p.b,
    activation: p.act,
    scales: total[pi],
    absorbed: null,
  }));
  if (options.bias_absorption) for (const r of report) r.absorbed = absorb_high_bias(gm, r, bn.get(r.first));
  const by_target = new Map(gm.graph.nodes.map((n) => [n.target, n]));
  for (const r of report) {
    const lo = Math.min(...r.scales).toPrecision(3);
    const hi = Math.max(...r.scales).toPrecision(3);
    const note = (verb: string, other: string) => `${verb} s ∈ [${lo}, ${hi}] per channel (CLE with '${other}')`;
    const na = by_target.get(r.first) as Node;
    const nb = by_target.get(r.second) as Node;
    na.meta.equalization = [na.meta.equalization, note('outputs ÷', r.second)].filter(Boolean).join('; ');
    nb.meta.equalization = [nb.meta.equalization, note('inputs ×', r.first)].filter(Boolean).join('; ');
    if (r.absorbed) na.meta.equalization += `; high-bias absorbed into '${r.second}'`;
  }
  const moved = new Map(bn);
  for (const r of report) {
    const st = bn.get(r.first);
    if (!st) continue;
    moved.set(r.first, {
      beta: st.beta.map((b, i) => b / r.scales[i] - (r.absorbed?.[i] ?? 0)),
      gamma: st.gamma.map((g, i) => g / r.scales[i]),
    });
  }
  return { model: gm, report: { pairs: report, sweeps, last_change: change, bn_statistics: moved } };
}

/** c_i = max(0, β_i/s_i − 3|γ_i|/s_i) leaves A's bias for B's: only after a ReLU (with one, c = 0 is exact). */
function absorb_high_bias(gm: GraphModule, r: EqualizedPair, stats: BnStatistics | undefined): Float64Array | null {
  if (!stats || r.activation === 'none') return null;
  const a = weighted_of(gm.get_submodule(r.first)) as NonNullable<ReturnType<typeof weighted_of>>;
  const b = weighted_of(gm.get_submodule(r.second)) as NonNullable<ReturnType<typeof weighted_of>>;
  const c = r.scales.map((s, i) => Math.max(0, (stats.beta[i] - 3 * stats.gamma[i]) / s));
  const ba = bias_of({ weighted: a } as never);
  if (!ba) return null;
  const bad = ba.data as Float32Array;
  for (let i = 0; i < c.length; i++) bad[i] = Math.fround(bad[i] - c[i]);
  const wb = (b.weight as Tensor).contiguous().data as Float32Array;
  const [oc] = (b.weight as Tensor).shape;
  const k = wb.length / oc;
  const groups = b instanceof Conv2d ? b.groups : 1;
  const cg = c.length / groups;
  const per = k / cg; // kernel positions
  const bb = Float32Array.from((bias_of({ weighted: b } as never)?.data as Float32Array) ?? new Float32Array(oc));
  for (let o = 0; o < oc; o++) {
    const g = Math.floor(o / (oc / groups));
    let acc = 0;
    for (let j = 0; j < cg; j++) for (let t = 0; t < per; t++) acc += wb[o * k + j * per + t] * c[g * cg + j];
    bb[o] = Math.fround(bb[o] + acc);
  }
  set_bias({ weighted: b } as never, bb);
  return c;
}

/** One line per node that equalize rescaled: `name (target): note`. */
export function describe_equalization(gm: GraphModule): string {
  return gm.graph.nodes
    .filter((n) => n.meta.equalization)
    .map((n) => `${n.name} (${n.target}): ${String(n.meta.equalization)}`)
    .join('\n');
}
