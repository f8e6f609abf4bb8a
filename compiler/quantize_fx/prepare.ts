/**
 * prepare_fx / prepare_qat_fx (torch.ao.quantization.quantize_fx, PyTorch 1.13): copy the model, trace it
 * (non-traceable modules stay leaves), fuse (compiler/passes/fuse), resolve each node's qconfig
 * (compiler/passes/assign_qconfig) and insert observers or fake-quant modules (compiler/passes/insert_observers).
 */

import type { Module } from '../../runtime/nn/module.js';
import { get_default_qat_module_mappings } from '../../runtime/nn/qat/mappings.js';
import { deepcopy } from '../../runtime/nn/utils/deepcopy.js';
import { type QConfigDict, QConfigMapping, to_qconfig_mapping } from '../../runtime/quant/qconfig_mapping.js';
import { BackendConfig, get_qnnpack_backend_config } from '../../runtime/quantized/op_catalogue/index.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import type { GraphModule } from '../ir/graph_module.js';
import { assign_qconfig } from '../passes/assign_qconfig.js';
import { fuse } from '../passes/fuse.js';
import { insert_observers } from '../passes/insert_observers.js';
import type { FromFloat, ModuleClass } from './backend_config.js';
import { check_module_names } from './check_names.js';
import { copy_preserved_attributes, PrepareCustomConfig, type PrepareCustomConfigDict } from './custom_config.js';
import { trace_for_quantization } from './scope_tracer.js';
import { check_float_for_prepare } from './stage.js';

/** Extra options of prepare_fx / prepare_qat_fx beyond torch's positional ones (fxq). */
export interface PrepareFxOptions {
  /**
   * prepare_qat_fx's float → QAT module swaps (float class → class with from_float), applied to call_module
   * nodes with a qconfig; default get_default_qat_module_mappings() (nn.qat / nn.intrinsic.qat), as torch.
   * prepare_fx applies it only when given.
   */
  qat_module_mappings?: Map<ModuleClass, FromFloat>;
  /** Print each "kept in float" warning with console.warn (default true). */
  warn?: boolean;
  /**
   * torch's backend_config: which ops are observed how and lowered to what. Default
   * get_qnnpack_backend_config() (PyTorch 1.13 parity); get_fxq_backend_config() is the opt-in config that goes
   * beyond PyTorch (README "Beyond PyTorch"). convert_fx uses the same config unless told otherwise.
   */
  backend_config?: BackendConfig;
}

const warnings_of = new WeakMap<Module, string[]>();
const backend_config_of = new WeakMap<Module, BackendConfig>();

/** The backend config a model was prepared with (get_qnnpack_backend_config() when it was not prepared by fxq). */
export function get_prepared_backend_config(model: Module): BackendConfig {
  return backend_config_of.get(model) ?? get_qnnpack_backend_config();
}

/** The warnings prepare_fx / convert_fx recorded for a model (ops kept in float, unsupported dtypes). */
export function get_quantization_warnings(model: Module): string[] {
  return [...(warnings_of.get(model) ?? [])];
}
/** @internal records warnings on a model (convert_fx appends to its input's). */
export function set_quantization_warnings(model: Module, warnings: string[]): void {
  warnings_of.set(model, warnings);
}

const describe_value = (v: unknown): string =>
  v !== null && typeof v === 'object' ? (v.constructor?.name ?? 'object') : String(v);

function check_example_inputs(example_inputs: unknown, where: string): void {
  if (!Array.isArray(example_inputs))
    throw new Error(`${where}: example_inputs must be an array of the forward's inputs (e.g. [x])`);
  example_inputs.forEach((x, i) => {
    if (x !== null && typeof x === 'object' && !(x instanceof Tensor) && !Array.isArray(x))
      throw new Error(
        `${where}: example_inputs[${i}] must be a Tensor (or a plain value), got ${(x as object).constructor.name}`,
      );
  });
}

function prepare_impl(
  model: Module,
  qconfig_mapping: QConfigMapping | QConfigDict,
  example_inputs: unknown[],
  prepare_custom_config: PrepareCustomConfig | PrepareCustomConfigDict | null | undefined,
  is_qat: boolean,
  options: PrepareFxOptions,
): GraphModule {
  const where = is_qat ? 'prepare_qat_fx' : 'prepare_fx';
  const backend_config = options.backend_config ?? get_qnnpack_backend_config();
  if (!(backend_config instanceof BackendConfig))
    throw new Error(
      `${where}: backend_config must be a BackendConfig (get_qnnpack_backend_config(), get_fxq_backend_config()), got ${describe_value(backend_config)}`,
    );
  const mapping = to_qconfig_mapping(qconfig_mapping);
  check_example_inputs(example_inputs, where);
  check_float_for_prepare(model, where);
  const custom =
    prepare_custom_config instanceof PrepareCustomConfig
      ? prepare_custom_config
      : PrepareCustomConfig.from_dict(prepare_custom_config ?? {});
  const names = [...model.named_modules()].map(([n]) => n);
  check_module_names(mapping, names, where);
  for (const n of custom.non_traceable_module_names) {
    if (!names.includes(n))
      check_module_names(new QConfigMapping().set_module_name(n, null), names, `${where}: non_traceable_module_names`);
  }
  // torch copies too: prepare never changes the caller's model
  const copy = deepcopy(model);
  const gm = trace_for_quantization(
    copy,
    { leaf_modules: [...custom.non_traceable_module_classes, ...custom.non_traceable_module_names] },
    where,
  );
  fuse(gm, { is_qat });
  assign_qconfig(gm, mapping);
  // torch's qat_swap_modules: after fusion (BatchNorm kept live in train mode) and before the activation
  // fake-quants, so the QAT modules (each with its weight_fake_quant from qconfig.weight()) are what they observe
  const qat_mappings = options.qat_module_mappings ?? (is_qat ? get_default_qat_module_mappings() : undefined);
  if (qat_mappings) swap_qat_modules(gm, qat_mappings);
  const warnings: string[] = [];
  insert_observers(gm, { is_qat, warnings, backend_config });
  backend_config_of.set(gm, backend_config);
  gm.graph.lint(gm);
  copy_preserved_attributes(model, gm, custom.preserved_attributes, where);
  if (options.warn ?? true) for (const w of warnings) console.warn(`${where}: ${w}`);
  set_quantization_warnings(gm, warnings);
  return gm;
}

/** Replaces each call_module whose class has a QAT counterpart (and a non-null qconfig) by from_float of it. */
function swap_qat_modules(gm: GraphModule, mappings: Map<ModuleClass, FromFloat>): void {
  for (const node of gm.graph.nodes) {
    if (node.op !== 'call_module' || !node.meta.qconfig) continue;
    const mod = gm.get_submodule(node.target);
    const qat = mappings.get(mod.constructor as ModuleClass);
    if (!qat) continue;
    (mod as unknown as Record<string, unknown>).qconfig = node.meta.qconfig;
    const swapped = qat.from_float(mod);
    // the QAT module trains (prepare_qat_fx) or not as the float module it replaces
    swapped.train(mod.training);
    gm.set_submodule(node.target, swapped);
  }
}

/**
 * prepare_fx(model, qconfig_mapping, example_inputs, prepare_custom_config?): a GraphModule copy of the
 * model in eval mode, fused (BatchNorm folded), with observers where the qconfigs ask for int8.
 * Run calibration data through it, then convert_fx.
 */
export function prepare_fx(
  model: Module,
  qconfig_mapping: QConfigMapping | QConfigDict,
  example_inputs: unknown[],
  prepare_custom_config?: PrepareCustomConfig | PrepareCustomConfigDict | null,
  options: PrepareFxOptions = {},
): GraphModule {
  if (model.training)
    throw new Error(
      'prepare_fx: the model must be in eval mode (call model.eval() first); use prepare_qat_fx for training',
    );
  return prepare_impl(model, qconfig_mapping, example_inputs, prepare_custom_config, false, options);
}

/**
 * prepare_qat_fx(model, qconfig_mapping, example_inputs, prepare_custom_config?): as prepare_fx for a model
 * in train mode, with the QAT qconfig's fake-quant modules; BatchNorm stays live (ConvBn2d …) and the
 * float (fused) modules are swapped for their QAT counterparts (nn.qat.Linear, nn.intrinsic.qat.ConvBnReLU2d …;
 * `options.qat_module_mappings` overrides the table). Train it, call eval(), then convert_fx.
 */
export function prepare_qat_fx(
  model: Module,
  qconfig_mapping: QConfigMapping | QConfigDict,
  example_inputs: unknown[],
  prepare_custom_config?: PrepareCustomConfig | PrepareCustomConfigDict | null,
  options: PrepareFxOptions = {},
): GraphModule {
  if (!model.training) throw new Error('prepare_qat_fx: the model must be in train mode (call model.train() first)');
  return prepare_impl(model, qconfig_mapping, example_inputs, prepare_custom_config, true, options);
}
