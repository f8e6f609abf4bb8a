/** torch.ao.quantization.backend_config as the `quantization.backend_config` namespace: the named configs. */
export {
  BackendConfig,
  type BackendConfigChange,
  FXQ_CHANGES,
  get_fxq_backend_config,
  get_qnnpack_backend_config,
} from '../../runtime/quantized/op_catalogue/backend_configs.js';
