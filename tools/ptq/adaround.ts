/**
 * AdaRound (Nagel et al. 2020, "Up or Down? Adaptive Rounding for Post-Training Quantization"): for each conv /
 * linear layer, learn per weight whether to round down or up so that the layer's output on calibration data
 * stays close to the float layer's, instead of rounding each weight to nearest.
 *
 *   W̃ = s · (clip(⌊W/s⌋ + zp + h(V), qmin, qmax) − zp),  h(V) = clip(σ(V)(ζ − γ) + γ, 0, 1), ζ = 1.1, γ = −0.1
 *   loss = E‖W̃x − Wx‖² + λ Σ (1 − |2h(V) − 1|^β),  λ = 0.01, β annealed 20 → 2 after a 20 % warm-up
 *
 * V starts where h(V) equals the fractional part of W/s (W̃ = W); Adam on fxq's autograd minimises the loss; at the
 * end h is rounded (V ≥ 0 → up) and the integers are frozen into the prepared model (frozen_weights.ts), so
 * convert_fx emits exactly them. The reconstruction is the pre-activation output with float inputs (the paper's
 * per-layer objective without the activation); E‖ΔWx‖² = tr(ΔW G ΔWᵀ) with the Gram matrix G of the layer's
 * inputs (im2col patches, layer_inputs.ts) when it is small, else a sampled batch of input rows per step.
 * Grouped (depthwise) convs are rounded to nearest on the same frozen grid.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { record_grad } from '../../runtime/autograd/function.js';
import { enable_grad, no_grad } from '../../runtime/autograd/grad_mode.js';
import { Adam } from '../../runtime/optim/adam.js';
import { Generator } from '../../runtime/tensor/random.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { freeze_weight, nearest_integers, type WeightGrid, weight_grid } from './frozen_weights.js';
import { collect_layer_inputs, type LayerInputStats } from './layer_inputs.js';
import { type WeightedLayer, weight_of, weighted_layers } from './layers.js';

const ZETA = 1.1;
const GAMMA = -0.1;
/** |V| beyond which h(V) is clamped to exactly 0 or 1: σ(V) ≥ (1 − γ)/(ζ − γ) = 11/12. */
const V_SATURATED = Math.log(11);

/** True when every h(V) is exactly 0 or 1. */
function saturated(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i]) < V_SATURATED) return false;
  return true;
}

/** Options of adaround (the paper's defaults unless noted). */
export interface AdaRoundOptions {
  /** Adam steps per layer (default 1000; the paper uses 10k at batch 32 on ImageNet). */
  iterations?: number;
  /** Adam learning rate for V (default 1e-2). */
  lr?: number;
  /** Regulariser weight λ (default 0.01). */
  reg_param?: number;
  /** β annealed from beta_range[0] to beta_range[1] (default [20, 2]). */
  beta_range?: [number, number];
  /** Fraction of the iterations without the regulariser (default 0.2). */
  warm_start?: number;
  /** Input rows per step when a layer's rows are too long for a Gram matrix (default 64). */
  batch_rows?: number;
  /** Only these module paths (default: every prepared conv / linear). */
  modules?: string[];
  seed?: number;
  /** Called per layer and per 50 steps: (layer index, layers, step, steps, loss). */
  on_progress?: (layer: number, layers: number, step: number, steps: number, loss: number) => void;
  /** Forward batch size for the input statistics (default 50). */
  batch_size?: number;
  /**
   * Stop a layer once every h(V) sits at exactly 0 or 1 (|V| ≥ ln 11; checked every 10 steps after the warm-up;
   * default true). The clamp then passes no gradient, and Adam's momentum only moves V further out, so the
   * remaining steps cannot change a single integer.
   */
  early_stop?: boolean;
}

/** What adaround did to one layer. */
export interface AdaRoundLayerReport {
  path: string;
  /** Fraction of weights AdaRound rounded differently from nearest. */
  flipped: number;
  /** Adam steps run (fewer than `iterations` after an early stop; 0 for a grouped conv). */
  steps: number;
  /** E‖W̃x − Wx‖² on the calibration rows, nearest vs AdaRound. */
  mse_nearest: number;
  mse_adaround: number;
  seconds: number;
  method: 'adaround' | 'nearest';
  /** The frozen integers and their grid (reusable: adaround_calibrate caches them). */
  integers: Int32Array;
  grid: WeightGrid;
}

/** E‖(W̃ − W)x‖² per row for integer weights q (no autograd), from the Gram matrix or the stored rows. */
export function output_mse(w: Tensor, q: Int32Array, grid: WeightGrid, stats: LayerInputStats): number {
  const oc = w.shape[0];
  const k = stats.k;
  const d = w.contiguous().data as Float32Array;
  const delta = new Float64Array(oc * k);
  for (let o = 0; o < oc; o++)
    for (let j = 0; j < k; j++) delta[o * k + j] = (q[o * k + j] - grid.zero_point[o]) * grid.scale[o] - d[o * k + j];
  let total = 0;
  if (stats.gram) {
    const og = oc / stats.groups;
    for (let o = 0; o < oc; o++) {
      const g = stats.gram.subarray(Math.floor(o / og) * k * k);
      for (let i = 0; i < k; i++) {
        const di = delta[o * k + i];
        if (di === 0) continue;
        let acc = 0;
        for (let j = 0; j < k; j++) acc += g[i * k + j] * delta[o * k + j];
        total += di * acc;
      }
    }
    return total;
  }
  const rows = stats.rows as Float32Array;
  for (let r = 0; r < stats.n; r++) {
    for (let o = 0; o < oc; o++) {
      let acc = 0;
      for (let j = 0; j < k; j++) acc += delta[o * k + j] * rows[r * k + j];
      total += acc * acc;
    }
  }
  return total / stats.n;
}

/** h(V): the rectified sigmoid. */
function rectified_sigmoid(v: Tensor): Tensor {
  return v
    .sigmoid()
    .mul(ZETA - GAMMA)
    .add(GAMMA)
    .clamp(0, 1);
}

/**
 * Σ Δ ⊙ (ΔG) = tr(Δ G Δᵀ) for a symmetric G, with its gradient 2ΔG from the forward's product: one [oc, k] × [k, k]
 * matmul a step instead of the two that `delta.matmul(gram).mul(delta).sum()` costs on the tape.
 */
export function gram_quadratic(delta: Tensor, gram: Tensor): Tensor {
  const p = no_grad(() => delta.matmul(gram));
  const out = no_grad(() => p.mul(delta).sum());
  return record_grad(out, [delta], 'gram_quadratic', (g) => [p.mul(2 * g.item())]);
}

/** Optimises one layer's rounding; returns the integer weights (on_step's last call carries the steps run). */
export function adaround_weights(
  w: Tensor,
  grid: WeightGrid,
  stats: LayerInputStats,
  options: AdaRoundOptions = {},
  on_step?: (step: number, steps: number, loss: number) => void,
): Int32Array {
  if (stats.groups !== 1) throw new Error('adaround_weights: grouped convs are rounded to nearest');
  const iterations = options.iterations ?? 1000;
  const lambda = options.reg_param ?? 0.01;
  const [b0, b1] = options.beta_range ?? [20, 2];
  const warm = options.warm_start ?? 0.2;
  const early_stop = options.early_stop ?? true;
  const oc = w.shape[0];
  const k = stats.k;
  const d = w.contiguous().data as Float32Array;
  const floor_q = new Float32Array(oc * k);
  const v0 = new Float32Array(oc * k);
  for (let o = 0; o < oc; o++) {
    for (let j = 0; j < k; j++) {
      const x = d[o * k + j] / grid.scale[o];
      const fl = Math.floor(x);
      floor_q[o * k + j] = fl + grid.zero_point[o];
      // h(V0) = frac(W/s): σ(V0) = (frac − γ)/(ζ − γ)
      const p = Math.min(Math.max((x - fl - GAMMA) / (ZETA - GAMMA), 1e-6), 1 - 1e-6);
      v0[o * k + j] = Math.log(p / (1 - p));
    }
  }
  const base = new Tensor(floor_q, [oc, k], 'float32');
  const scale = new Tensor(Float32Array.from(grid.scale), [oc, 1], 'float32');
  const zp = new Tensor(Float32Array.from(grid.zero_point), [oc, 1], 'float32');
  const wf = new Tensor(Float32Array.from(d), [oc, k], 'float32');
  const gram = stats.gram ? new Tensor(stats.gram, [k, k], 'float32') : null;
  const rows = stats.rows;
  const batch = Math.min(options.batch_rows ?? 64, stats.n);
  const gen = new Generator(options.seed ?? 0);
  const V = new Tensor(v0, [oc, k], 'float32').requires_grad_();
  const opt = new Adam([V], { lr: options.lr ?? 1e-2 });
  enable_grad(() => {
    for (let step = 0; step < iterations; step++) {
      const h = rectified_sigmoid(V);
      const wq = base.add(h).clamp(grid.quant_min, grid.quant_max).sub(zp).mul(scale);
      const delta = wq.sub(wf);
      let recon: Tensor;
      if (gram) recon = gram_quadratic(delta, gram);
      else {
        const xb = new Float32Array(batch * k);
        for (let r = 0; r < batch; r++) {
          const src = Math.floor(gen.random() * stats.n);
          xb.set((rows as Float32Array).subarray(src * k, (src + 1) * k), r * k);
        }
        const y = new Tensor(xb, [batch, k], 'float32').matmul(delta.t());
        recon = y.mul(y).sum().div(batch);
      }
      let loss = recon;
      const rel = (step / iterations - warm) / (1 - warm);
      if (rel >= 0) {
        const beta = b1 + 0.5 * (b0 - b1) * (1 + Math.cos(rel * Math.PI));
        const reg = h.mul(2).sub(1).abs().pow(beta).neg().add(1).sum();
        loss = recon.add(reg.mul(lambda));
      }
      opt.zero_grad();
      loss.backward();
      opt.step();
      const stop = early_stop && rel >= 0 && step % 10 === 9 && saturated(V.data as Float32Array);
      if (on_step && (step % 50 === 0 || step === iterations - 1 || stop)) on_step(step + 1, iterations, loss.item());
      if (stop) break;
    }
  });
  const vd = V.data as Float32Array;
  const q = new Int32Array(oc * k);
  for (let i = 0; i < q.length; i++) {
    q[i] = Math.min(Math.max(floor_q[i] + (vd[i] >= 0 ? 1 : 0), grid.quant_min), grid.quant_max);
  }
  return q;
}

/** Which layers of a prepared model AdaRound (or nearest rounding) applies to. */
function target_layers(prepared: GraphModule, modules: string[] | undefined, where: string): WeightedLayer[] {
  const all = weighted_layers(prepared).filter((l) => l.qconfig !== null);
  if (!modules) return all;
  return modules.map((p) => {
    const l = all.find((x) => x.path === p);
    if (!l)
      throw new Error(
        `${where}: no quantized conv / linear module '${p}' (have: ${all.map((x) => x.path).join(', ')})`,
      );
    return l;
  });
}

/**
 * adaround(prepared, inputs, options): AdaRound every quantized conv / linear of a prepare_fx model on the
 * calibration `inputs` (batch-first tensor), freezing the integer weights for convert_fx. Activation
 * observers are not fed; calibrate before or after as usual. Returns one report per layer.
 */
export function adaround(prepared: GraphModule, inputs: Tensor, options: AdaRoundOptions = {}): AdaRoundLayerReport[] {
  const layers = target_layers(prepared, options.modules, 'adaround');
  const stats = collect_layer_inputs(prepared, layers, inputs, { batch_size: options.batch_size, seed: options.seed });
  const reports: AdaRoundLayerReport[] = [];
  layers.forEach((layer, li) => {
    const t0 = performance.now();
    const w = weight_of(layer).clone();
    const grid = weight_grid(layer);
    const st = stats.get(layer.path) as LayerInputStats;
    const nearest = nearest_integers(w, grid);
    const grouped = st.groups !== 1;
    let steps = 0;
    const q = grouped
      ? nearest
      : adaround_weights(w, grid, st, options, (s, n, loss) => {
          steps = s;
          options.on_progress?.(li, layers.length, s, n, loss);
        });
    let flipped = 0;
    for (let i = 0; i < q.length; i++) if (q[i] !== nearest[i]) flipped++;
    reports.push({
      path: layer.path,
      flipped: flipped / q.length,
      steps,
      mse_nearest: no_grad(() => output_mse(w, nearest, grid, st)),
      mse_adaround: no_grad(() => output_mse(w, q, grid, st)),
      seconds: (performance.now() - t0) / 1000,
      method: grouped ? 'nearest' : 'adaround',
      integers: q,
      grid,
    });
    freeze_weight(layer, q, grid);
  });
  return reports;
}

/**
 * round_to_nearest(prepared): the baseline on the same frozen grid — every quantized conv / linear weight rounded
 * to nearest and clamped to the observer's [quant_min, quant_max] (plain convert_fx clamps to the dtype's
 * −128..127 only, so a "4-bit" weight grid there can still produce +8).
 */
export function round_to_nearest(prepared: GraphModule, options: { modules?: string[] } = {}): void {
  for (const layer of target_layers(prepared, options.modules, 'round_to_nearest')) {
    const grid = weight_grid(layer);
    freeze_weight(layer, nearest_integers(weight_of(layer), grid), grid);
  }
}
