/**
 * AdaRound inside a Task's calibrate, for the sensitivity tools (auto_mixed_precision, one_at_a_time): every
 * job prepares the model with its own qconfig_dict, then calls calibrate(prepared); this wrapper AdaRounds the
 * job's quantized conv / linear layers first. A layer's rounding depends only on its float weight, its float
 * inputs and its weight qconfig, so results are cached by (module path, qconfig) and each layer is optimised once
 * across all jobs.
 */
import { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Module } from '../../runtime/nn/module.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { type AdaRoundOptions, adaround } from './adaround.js';
import { freeze_weight, type WeightGrid } from './frozen_weights.js';
import { weighted_layers } from './layers.js';

/** calibrate(prepared) preceded by (cached) AdaRound on `inputs`; use it as a Task's calibrate. */
export function adaround_calibrate(
  inputs: Tensor,
  calibrate: (prepared: Module) => void,
  options: AdaRoundOptions = {},
): (prepared: Module) => void {
  const cache = new Map<string, { q: Int32Array; grid: WeightGrid }>();
  const key = (path: string, qconfig: unknown) => `${path}\u0000${String(qconfig)}`;
  return (prepared: Module) => {
    if (!(prepared instanceof GraphModule)) throw new Error('adaround_calibrate: expected the prepare_fx GraphModule');
    const layers = weighted_layers(prepared).filter((l) => l.qconfig !== null);
    const missing = layers.filter((l) => !cache.has(key(l.path, l.qconfig)));
    const keys = new Map(layers.map((l) => [l.path, key(l.path, l.qconfig)]));
    if (missing.length) {
      const reports = adaround(prepared, inputs, { ...options, modules: missing.map((l) => l.path) });
      for (const r of reports) cache.set(keys.get(r.path) as string, { q: r.integers, grid: r.grid });
    }
    for (const l of layers) {
      if (missing.includes(l)) continue;
      const c = cache.get(keys.get(l.path) as string);
      if (c) freeze_weight(l, c.q, c.grid);
    }
    calibrate(prepared);
  };
}
