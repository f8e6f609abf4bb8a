/**
 * The package's `quantization` namespace: torch.ao.quantization's primitives (runtime/quant), the eager
 * API (runtime/eager) plus the FX
 * entry points, both as `quantization.quantize_fx.prepare_fx` (torch's module path) and directly as
 * `quantization.prepare_fx`. A separate barrel so runtime/quant never imports the compiler (no cycle).
 */
export * from '../../runtime/eager/index.js';
export * from '../../runtime/quant/index.js';
export * as quantize_fx from '../quantize_fx.js';
export {
  convert_fx,
  fetch_quantized,
  fuse_fx,
  get_quantization_warnings,
  load_quantized,
  prepare_fx,
  prepare_qat_fx,
  serialize_quantized,
} from '../quantize_fx.js';
export * as backend_config from './backend_config_namespace.js';
export {
  BackendConfig,
  type BackendConfigChange,
  FXQ_CHANGES,
  get_fxq_backend_config,
  get_qnnpack_backend_config,
} from './backend_config_namespace.js';
