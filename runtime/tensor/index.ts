/** Tensors: importing this module registers every op and method implementation. */
export * from './dtype.js';
export * from './quantizer.js';
export * from './tensor.js';
export * from './creation.js';
export * from './random.js';
export * from './ops/binary.js';
export * from '../autograd/grad_mode.js';
import '../autograd/engine.js';
