/**
 * Importing this registers every tensor op and method (runtime/tensor/index.ts's side effects without its
 * re-exports): runtime/all_ops.ts imports it, so fxq/inference gets the ops but not the printer (tensor_str.ts).
 */
import '../autograd/engine.js';
import './creation.js';
import './random.js';
import './ops/activation.js';
import './ops/assert_finite.js';
import './ops/binary.js';
import './ops/cat.js';
import './ops/compare.js';
import './ops/convert.js';
import './ops/expand.js';
import './ops/inplace.js';
import './ops/matmul.js';
import './ops/minmax.js';
import './ops/permute.js';
import './ops/pow.js';
import './ops/reduce.js';
import './ops/slice.js';
import './ops/smooth.js';
import './ops/softmax.js';
import './ops/unary.js';
import './ops/view.js';
import './ops/where.js';
