/**
 * Bias correction (Nagel et al. 2019, §4.2): weight quantization error ΔW = W̃ − W shifts each output channel's
 * mean by ΔW·E[x]; subtracting that shift from the float bias makes E[W̃x + b'] = E[Wx + b]. The quantized
 * weights W̃ are exactly those convert_fx will produce (the node's qconfig.weight() observer and torch's weight
 * quantization, or the frozen AdaRound integers). E[x] (per input row: channel × kernel position for a conv) is
 *   - 'empirical': measured on calibration data flowing through the float model (padding zeros included);
 *   - 'analytic' (data-free): from the BatchNorm statistics of the layer producing x, x = ReLU(y), y ~ N(β, γ²):
 *     E[x] = γφ(β/γ) + βΦ(β/γ) (E[y] = β without a ReLU), the same for every kernel position.
 * The corrected bias is written into the prepared model's float module, which convert_fx quantizes to int32.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Node } from '../../compiler/ir/node.js';
import { ReLU } from '../../runtime/nn/layers/activation.js';
import { ObserverBase } from '../../runtime/quant/observer_base.js';
import { quantize_weight } from '../../runtime/quantized/modules/from_float.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import type { BnStatistics } from './bn_statistics.js';
import { collect_layer_inputs } from './layer_inputs.js';
import { bias_of, set_bias, type WeightedLayer, weight_of, weighted_layers, weighted_of } from './layers.js';

/** Options of bias_correction. */
export interface BiasCorrectionOptions {
  /** Only these module paths (default: every quantized conv / linear). */
  modules?: string[];
  batch_size?: number;
  on_progress?: (done: number, total: number) => void;
}

/** The per-channel shift removed from one layer's bias. */
export interface BiasCorrectionReport {
  path: string;
  /** ΔW·E[x] per output channel (subtracted from the bias). */
  shift: Float64Array;
}

/** W̃ as convert_fx will quantize it (dequantized, float32). */
export function quantized_weight(layer: WeightedLayer): Tensor {
  if (!layer.qconfig) throw new Error(`bias_correction: module '${layer.path}' has no qconfig`);
  const obs = layer.qconfig.weight() as never;
  return quantize_weight(weight_of(layer), obs, `bias_correction: '${layer.path}'`).dequantize();
}

/** Subtracts ΔW·μ from the bias; μ holds groups × K input means. */
export function correct_bias(layer: WeightedLayer, mean: Float64Array, groups: number): Float64Array {
  const w = weight_of(layer).contiguous().data as Float32Array;
  const wq = quantized_weight(layer).contiguous().data as Float32Array;
  const oc = weight_of(layer).shape[0];
  const k = w.length / oc;
  const og = oc / groups;
  const shift = new Float64Array(oc);
  for (let o = 0; o < oc; o++) {
    const g = Math.floor(o / og);
    let acc = 0;
    for (let j = 0; j < k; j++) acc += (wq[o * k + j] - w[o * k + j]) * mean[g * k + j];
    shift[o] = acc;
  }
  const b = bias_of(layer);
  const nb = new Float32Array(oc);
  for (let o = 0; o < oc; o++) nb[o] = Math.fround((b ? (b.data[o] as number) : 0) - shift[o]);
  set_bias(layer, nb);
  return shift;
}

function targets(prepared: GraphModule, modules: string[] | undefined): WeightedLayer[] {
  const all = weighted_layers(prepared).filter((l) => l.qconfig !== null);
  if (!modules) return all;
  return modules.map((p) => {
    const l = all.find((x) => x.path === p);
    if (!l) throw new Error(`bias_correction: no quantized conv / linear module '${p}'`);
    return l;
  });
}

/** Empirical bias correction of a prepared model on calibration `inputs` (batch-first). */
export function bias_correction(
  prepared: GraphModule,
  inputs: Tensor,
  options: BiasCorrectionOptions = {},
): BiasCorrectionReport[] {
  const layers = targets(prepared, options.modules);
  const stats = collect_layer_inputs(prepared, layers, inputs, {
    mean_only: true,
    batch_size: options.batch_size,
    on_progress: options.on_progress,
  });
  return layers.map((l) => {
    const st = stats.get(l.path);
    if (!st) throw new Error(`bias_correction: no statistics for '${l.path}'`);
    return { path: l.path, shift: correct_bias(l, st.mean, st.groups) };
  });
}

const SQRT2 = Math.SQRT2;
function erf(x: number): number {
  // Numerical Recipes' erfc (Chebyshev fit, relative error < 1.2e-7): erf = 1 − erfc
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    1 -
    t *
      Math.exp(
        -x * x -
          1.26551223 +
          t *
            (1.00002368 +
              t *
                (0.37409196 +
                  t *
                    (0.09678418 +
                      t *
                        (-0.18628806 +
                          t *
                            (0.27886807 +
                              t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
      );
  return x >= 0 ? y : -y;
}

/** E[ReLU(y)] for y ~ N(β, γ²) (E[y] = β when relu is false). */
export function expected_relu(beta: number, gamma: number, relu: boolean): number {
  if (!relu) return beta;
  if (gamma <= 0) return Math.max(beta, 0);
  const z = beta / gamma;
  const pdf = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  const cdf = 0.5 * (1 + erf(z / SQRT2));
  return gamma * pdf + beta * cdf;
}

/** The weighted layer feeding `node`'s input through relu / pools / observers, and whether a ReLU was crossed. */
function producer(gm: GraphModule, node: Node): { path: string; relu: boolean } | null {
  let cur = node.args[0] as Node | undefined;
  let relu = false;
  while (cur && typeof cur === 'object' && 'op' in cur) {
    if (cur.op === 'call_module') {
      const m = gm.get_submodule(cur.target);
      if (weighted_of(m))
        return { path: cur.target, relu: relu || (m as unknown as Record<string, unknown>)['1'] instanceof ReLU };
      if (m instanceof ReLU) relu = true;
      else if (!(m instanceof ObserverBase) && !/Pool|Dropout/.test(m.constructor.name)) return null;
    } else if (cur.op === 'call_function' || cur.op === 'call_method') {
      const t = String(cur.target).replace(/^F\./, '');
      if (t === 'relu') relu = true;
      else if (!/pool|dropout/.test(t)) return null;
    } else return null;
    cur = cur.args[0] as Node | undefined;
  }
  return null;
}

/**
 * Analytic (data-free) bias correction: E[x] of each layer from the BatchNorm statistics of its producer
 * (`bn`: bn_statistics(float_model), or equalize's report.bn_statistics after CLE). Layers whose input is not
 * produced by a conv / linear with known statistics (the first layer, adds, cats) are left as they are.
 */
export function bias_correction_analytic(
  prepared: GraphModule,
  bn: Map<string, BnStatistics>,
  options: BiasCorrectionOptions = {},
): BiasCorrectionReport[] {
  const out: BiasCorrectionReport[] = [];
  for (const l of targets(prepared, options.modules)) {
    const src = producer(prepared, l.node);
    const stats = src ? bn.get(src.path) : undefined;
    if (!src || !stats) continue;
    const w = weight_of(l);
    const groups = l.kind === 'conv' ? (l.weighted as { groups: number }).groups : 1;
    const cg = w.shape[1];
    const k = w.numel() / w.shape[0];
    const per = k / cg;
    if (stats.beta.length !== cg * groups) continue; // flatten between conv and linear: no per-row mapping
    const mean = new Float64Array(groups * k);
    for (let g = 0; g < groups; g++)
      for (let j = 0; j < cg; j++) {
        const e = expected_relu(stats.beta[g * cg + j], stats.gamma[g * cg + j], src.relu);
        for (let t = 0; t < per; t++) mean[g * k + j * per + t] = e;
      }
    out.push({ path: l.path, shift: correct_bias(l, mean, groups) });
  }
  return out;
}
