/**
 * The `fxq quantize --cle --bias-correction --adaround[=N]` steps, for cli/quantize.ts: CLE (with high-bias
 * absorption) on the float model before prepare_fx; AdaRound, then empirical bias correction, on the prepared
 * model before calibration, both on the calibration inputs (single-input models). Progress on the given bar.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import type { Module } from '../../runtime/nn/module.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { adaround } from './adaround.js';
import { bias_correction } from './bias_correction.js';
import { equalize } from './cross_layer_equalization.js';

/** Which methods to run (all off by default). */
export interface PtqMethods {
  cle?: boolean;
  bias_correction?: boolean;
  /** AdaRound with this many iterations per layer (true: 1000). */
  adaround?: boolean | number;
}

/** A progress sink: (label, done, total). */
export type PtqProgress = (label: string, done: number, total: number) => void;

/** The model prepare_fx should see: equalized (CLE + high-bias absorption) when asked. */
export function ptq_float_model(model: Module, m: PtqMethods, log: (msg: string) => void = () => {}): Module {
  if (!m.cle) return model;
  const { model: eq, report } = equalize(model, { bias_absorption: true });
  log(`CLE: ${report.pairs.length} layer pairs equalized in ${report.sweeps} sweeps`);
  return eq;
}

/** AdaRound and bias correction on the prepared model, from the calibration inputs (one input tensor). */
export function ptq_prepared_steps(
  prepared: GraphModule,
  inputs: unknown[],
  m: PtqMethods,
  progress: PtqProgress = () => {},
  log: (msg: string) => void = () => {},
): void {
  if (!m.adaround && !m.bias_correction) return;
  const x = inputs[0];
  if (inputs.length !== 1 || !(x instanceof Tensor))
    throw new Error('--adaround / --bias-correction: need a model with one tensor input and calibration tensors');
  if (m.adaround) {
    const iterations = typeof m.adaround === 'number' ? m.adaround : 1000;
    const reports = adaround(prepared, x, {
      iterations,
      on_progress: (li, n, step, steps) => progress('AdaRound', li * steps + step, n * steps),
    });
    const better = reports.filter((r) => r.mse_adaround < r.mse_nearest).length;
    log(`AdaRound: ${reports.length} layers, output MSE below nearest rounding on ${better}`);
  }
  if (m.bias_correction) {
    bias_correction(prepared, x, { on_progress: (d, n) => progress('bias correction', d, n) });
    log('bias correction: done');
  }
}
