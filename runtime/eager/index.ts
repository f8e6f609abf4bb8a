/** Eager-mode fusion (torch.ao.quantization.fuse_modules and the fuser method table). */

export { freeze_bn_stats, update_bn_stats } from '../nn/qat/intrinsic.js';
export { type ConvertOptions, convert, swap_module } from './convert.js';
export * as float16_dynamic from './float16_dynamic.js';
export {
  type FuseCustomConfigDict,
  type FuseModulesOptions,
  type FuserFunc,
  fuse_known_modules,
  fuse_modules,
  fuse_modules_qat,
} from './fuse_modules.js';
export {
  DEFAULT_OP_LIST_TO_FUSER_METHOD,
  type FuserMethod,
  type FusionRule,
  fuse_conv_bn,
  fuse_conv_bn_relu,
  fuse_linear_bn,
  get_fuser_method,
} from './fuser_method_mappings.js';
export { type PrepareOptions, type PrepareQatOptions, prepare, prepare_qat } from './prepare.js';
export { type EagerQConfigDict, propagate_qconfig_ } from './propagate_qconfig.js';
export {
  get_default_dynamic_quant_module_mappings,
  get_default_qat_module_mappings,
  get_default_qconfig_propagation_list,
  get_default_static_quant_module_mappings,
  type ModuleMapping,
  type SwapTarget,
} from './quantization_mappings.js';
export {
  type DynamicDType,
  type QConfigSpec,
  type QuantizeDynamicOptions,
  quantize_dynamic,
} from './quantize_dynamic.js';
/** Eager-mode quantization: stubs, qconfig propagation, prepare / prepare_qat, convert, quantize_dynamic. */
export { DeQuantStub, QuantStub, QuantWrapper } from './stubs.js';
