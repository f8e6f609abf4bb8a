/** nn: modules and layers, as torch.nn. */

export * as quantized from '../quantized/nn_quantized.js';
export * from './containers.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
export * as intrinsic from './intrinsic/index.js';
export * from './layers/index.js';
export * from './loss.js';
export * from './module.js';
export * from './parameter.js';
export * as qat from './qat/index.js';
export * as utils from './utils/index.js';
