/** nn.qat (torch.ao.nn.qat): Linear and Conv2d with fake-quantized weights, and the float → QAT mappings. */
export { Conv2d, type QatConv2dOptions } from './conv.js';
export { Conv1d, type QatConv1dOptions } from './conv1d.js';
export { Linear, type QatLinearOptions } from './linear.js';
export { get_default_qat_module_mappings, is_qat_module, type QatModuleClass } from './mappings.js';
