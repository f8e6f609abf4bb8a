/** Eager-mode fusion (torch.ao.quantization.fuse_modules and the fuser method table). */
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
