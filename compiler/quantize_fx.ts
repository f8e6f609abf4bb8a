/**
 * torch.ao.quantization.quantize_fx: the FX graph-mode quantization entry points
 * (fuse_fx; prepare_fx / prepare_qat_fx / convert_fx are added in their own section).
 */

import type { FusionRule } from '../runtime/eager/fuser_method_mappings.js';
import type { Module } from '../runtime/nn/module.js';
import type { GraphModule } from './ir/graph_module.js';
import { fuse } from './passes/fuse.js';
import { symbolic_trace } from './trace/symbolic_trace.js';

// ─── fuse_fx ─────────────────────────────────────────────────────────────────────────────────────

/** The dict form of FuseCustomConfig (torch's fuse_custom_config_dict keys). */
export interface FuseCustomConfigDict {
  /** Attributes of the model (non-module values) copied onto the fused GraphModule. */
  preserved_attributes?: string[];
  /** Extra fusion rows (module types in forward order → fuser method), tried before the defaults. */
  additional_fuser_method_mapping?: readonly FusionRule[];
}

/** torch's FuseCustomConfig: what fuse_fx keeps besides the graph. */
export class FuseCustomConfig {
  preserved_attributes: string[] = [];
  additional_fuser_method_mapping: FusionRule[] = [];

  /** Names of model attributes to copy onto the GraphModule (torch's set_preserved_attributes). */
  set_preserved_attributes(attributes: string[]): this {
    this.preserved_attributes = [...attributes];
    return this;
  }

  /** Extra fusion rows (fxq: torch takes them through backend_config). */
  set_additional_fuser_method_mapping(rows: readonly FusionRule[]): this {
    this.additional_fuser_method_mapping = [...rows];
    return this;
  }

  /** Builds a config from the dict form; unknown keys are an error naming them. */
  static from_dict(d: FuseCustomConfigDict): FuseCustomConfig {
    const known = new Set(['preserved_attributes', 'additional_fuser_method_mapping']);
    const bad = Object.keys(d).filter((k) => !known.has(k));
    if (bad.length)
      throw new Error(
        `FuseCustomConfig.from_dict: unknown key(s) ${bad.map((k) => `'${k}'`).join(', ')} (known: ${[...known].join(', ')})`,
      );
    const c = new FuseCustomConfig();
    if (d.preserved_attributes !== undefined) c.set_preserved_attributes(d.preserved_attributes);
    if (d.additional_fuser_method_mapping !== undefined)
      c.set_additional_fuser_method_mapping(d.additional_fuser_method_mapping);
    return c;
  }

  /** The dict form. */
  to_dict(): FuseCustomConfigDict {
    return {
      preserved_attributes: [...this.preserved_attributes],
      additional_fuser_method_mapping: [...this.additional_fuser_method_mapping],
    };
  }
}

/** Keyword options of fuse_fx beyond torch's (fxq). */
export interface FuseFxOptions {
  /** Keep BatchNorm live (ConvBn2d, …) for QAT; default: model.training (eval folds BN into the weights). */
  is_qat?: boolean;
}

/**
 * fuse_fx(model, fuse_custom_config?): symbolic_trace(model), then the fuse pass — conv-bn(-relu),
 * conv-relu, linear-bn, linear-relu, bn-relu with nn.ReLU or functional relu. A model in eval mode gets
 * BatchNorm folded into the weights (conv-bn → Conv2d, conv-bn-relu → ConvReLU2d); in train mode the
 * fused modules keep BN live (ConvBn2d, ConvBnReLU2d, LinearBn1d). `model` itself is not modified.
 */
export function fuse_fx(
  model: Module,
  fuse_custom_config?: FuseCustomConfig | FuseCustomConfigDict | null,
  options: FuseFxOptions = {},
): GraphModule {
  const config =
    fuse_custom_config instanceof FuseCustomConfig
      ? fuse_custom_config
      : FuseCustomConfig.from_dict(fuse_custom_config ?? {});
  const slots = model as unknown as Record<string, unknown>;
  const preserved: [string, unknown][] = config.preserved_attributes
    .filter((name) => name in model)
    .map((name) => [name, slots[name]]);
  const gm = symbolic_trace(model);
  fuse(gm, {
    is_qat: options.is_qat ?? model.training,
    additional_fuser_method_mapping: config.additional_fuser_method_mapping,
  });
  for (const [name, value] of preserved) {
    if (Object.hasOwn(gm, name) || !(name in gm)) (gm as unknown as Record<string, unknown>)[name] = value;
    else throw new Error(`fuse_fx: preserved attribute '${name}' would overwrite GraphModule's own '${name}'`);
  }
  return gm;
}

// ─── end fuse_fx ─────────────────────────────────────────────────────────────────────────────────

// ─── prepare_fx / prepare_qat_fx / convert_fx / save & load (quantization engineer) ─────────────
export { fetch_quantized, load_quantized, serialize_quantized } from './artifact/index.js';
export { STATIC_PATTERNS } from './quantize_fx/backend_config.js';
export { type ConvertFxOptions, convert_fx } from './quantize_fx/convert.js';
export {
  ConvertCustomConfig,
  type ConvertCustomConfigDict,
  PrepareCustomConfig,
  type PrepareCustomConfigDict,
} from './quantize_fx/custom_config.js';
export { DYNAMIC_PATTERNS } from './quantize_fx/dynamic_patterns.js';
export {
  get_quantization_warnings,
  type PrepareFxOptions,
  prepare_fx,
  prepare_qat_fx,
} from './quantize_fx/prepare.js';
// ─── end prepare_fx / convert_fx ─────────────────────────────────────────────────────────────────
