/**
 * Post-training static quantization as the PyTorch FX guide runs it: prepare_fx (trace, fuse, insert
 * observers) with one global qconfig (default: get_default_qconfig('qnnpack'), as docs/reference/RESULTS.md's
 * per-tensor rows), a calibration pass supplied by the caller, then convert_fx. Timed per stage.
 */
import { performance } from 'node:perf_hooks';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { type ConvertFxOptions, convert_fx, prepare_fx } from '../../compiler/quantize_fx.js';
import { type nn, quantization, type Tensor } from '../../index.js';

/** The prepared (observed) and converted (int8) models, and seconds spent in each stage. */
export interface PtqResult {
  prepared: GraphModule;
  quantized: GraphModule;
  seconds: { prepare: number; calibrate: number; convert: number };
}

/**
 * prepare_fx(model, {"": qconfig}, example_inputs) → calibrate(prepared) → convert_fx(prepared).
 * `model` must be in eval mode and is not modified.
 */
export function quantize_ptq(
  model: nn.Module,
  example_inputs: Tensor[],
  calibrate: (prepared: GraphModule) => void,
  options: { qconfig?: quantization.QConfig; convert?: ConvertFxOptions } = {},
): PtqResult {
  const qconfig = options.qconfig ?? quantization.get_default_qconfig('qnnpack');
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const s = (now - t) / 1000;
    t = now;
    return s;
  };
  const prepared = prepare_fx(model, { '': qconfig }, example_inputs);
  const prepare = lap();
  calibrate(prepared);
  const calibrate_s = lap();
  const quantized = convert_fx(prepared, options.convert);
  const convert = lap();
  return { prepared, quantized, seconds: { prepare, calibrate: calibrate_s, convert } };
}
