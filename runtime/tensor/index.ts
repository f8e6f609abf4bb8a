/** Tensors: importing this module registers every op and method implementation. */

export * from '../autograd/grad_mode.js';
export * from './creation.js';
export * from './dtype.js';
export * from './ops/binary.js';
export * from './quantizer.js';
export * from './random.js';
export * from './tensor.js';
export { get_printoptions, type PrintOptions, set_printoptions } from './tensor_str.js';

import './ops_all.js'; // every op and method registered (all_ops.ts imports the same list)

export { permute, t, transpose } from './ops/permute.js';
export { clone, flatten, reshape, squeeze, unsqueeze } from './ops/view.js';

import './ops/expand.js';

export { cat, stack } from './ops/cat.js';
export { chunk, type IndexEntry, narrow, select, split } from './ops/slice.js';

import './ops/convert.js';
import './ops/inplace.js';

export { type GradcheckOptions, gradcheck } from '../autograd/gradcheck.js';
export { clamp, hardsigmoid, hardswish, hardtanh, leaky_relu, relu, relu6 } from './ops/activation.js';
export { assert_finite } from './ops/assert_finite.js';
export { eq, ge, gt, le, lt, ne } from './ops/compare.js';
export { matmul, mm } from './ops/matmul.js';
export { argmax, argmin, max, min } from './ops/minmax.js';
export { pow } from './ops/pow.js';
export { type DimArg, mean, std, sum, type VarOptions, var_ as var } from './ops/reduce.js';
export { type GeluOptions, gelu, sigmoid, silu, tanh } from './ops/smooth.js';
export { log_softmax, softmax } from './ops/softmax.js';
export { abs, exp, log, neg, sqrt } from './ops/unary.js';
export { where } from './ops/where.js';
