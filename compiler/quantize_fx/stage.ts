/**
 * Which stage of the FX flow a model is at — float, prepared (observers or fake-quants inside) or
 * converted (int8 ops and packed weights) — so prepare_fx / convert_fx can refuse a model that
 * already went through them instead of observing twice or warning about ops "kept in float".
 */
import type { Module } from '../../runtime/nn/module.js';
import { is_activation_post_process } from '../../runtime/quant/qconfig.js';
import { Conv2dPackedParams, LinearPackedParams } from '../../runtime/quantized/packed_params.js';
import { GraphModule } from '../ir/graph_module.js';

/** The stage and what shows it (a module path or a node), for error messages. */
export interface QuantizationStage {
  stage: 'float' | 'prepared' | 'converted';
  evidence: string;
}

const QUANTIZE_TARGETS: ReadonlySet<string> = new Set(['quantize_per_tensor', 'quantize_per_channel']);

/** The first sign of quantization in `model`: packed int8 weights or quantize / quantized.* nodes. */
function converted_evidence(model: Module): string | null {
  if (model instanceof GraphModule) {
    for (const n of model.graph.nodes) {
      if (n.op === 'call_function' && (QUANTIZE_TARGETS.has(n.target) || n.target.startsWith('quantized.')))
        return `node '${n.name}' calls ${n.target}`;
    }
  }
  for (const [path, m] of model.named_modules()) {
    for (const v of Object.values(m)) {
      if (v instanceof LinearPackedParams || v instanceof Conv2dPackedParams)
        return `module '${path}' (${m.constructor.name}) holds packed int8 weights`;
    }
  }
  return null;
}

/** Classifies `model` (see the file comment). */
export function quantization_stage(model: Module): QuantizationStage {
  for (const [path, m] of model.named_modules()) {
    if (is_activation_post_process(m))
      return { stage: 'prepared', evidence: `module '${path}' is a ${m.constructor.name}` };
  }
  const converted = converted_evidence(model);
  if (converted) return { stage: 'converted', evidence: converted };
  return { stage: 'float', evidence: 'no observers and no int8 ops' };
}

/** Throws unless `model` is a float model prepare_fx / prepare_qat_fx may prepare. */
export function check_float_for_prepare(model: Module, where: string): void {
  const { stage, evidence } = quantization_stage(model);
  if (stage === 'prepared') {
    throw new Error(
      `${where}: the model is already prepared (${evidence}); preparing it again would observe every value twice. Pass the original float model to ${where}, or calibrate this one and pass it to convert_fx.`,
    );
  }
  if (stage === 'converted') {
    throw new Error(
      `${where}: the model is already quantized (${evidence}); pass the original float model to ${where}.`,
    );
  }
}

/** Throws when `model` is convert_fx's output rather than prepare_fx's. */
export function check_prepared_for_convert(model: Module): void {
  const { stage, evidence } = quantization_stage(model);
  if (stage === 'converted') {
    throw new Error(
      `convert_fx: the model is already converted (${evidence}; it has no observers left); pass the model prepare_fx returned (after calibration), not convert_fx's result.`,
    );
  }
}
