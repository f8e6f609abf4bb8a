import { define_function, define_method } from '../dispatch.js';
import type { Tensor } from '../tensor.js';
import { binary_kernel } from './binary.js';

/** Elementwise comparisons with broadcasting; bool results, no gradient (as in torch). */

type Operand = Tensor | number;

function eq_impl(a: Operand, b: Operand): Tensor {
  return binary_kernel(a, b, 'eq', (x, y) => (x === y ? 1 : 0), 'bool');
}
function ne_impl(a: Operand, b: Operand): Tensor {
  return binary_kernel(a, b, 'ne', (x, y) => (x !== y ? 1 : 0), 'bool');
}
function gt_impl(a: Operand, b: Operand): Tensor {
  return binary_kernel(a, b, 'gt', (x, y) => (x > y ? 1 : 0), 'bool');
}
function lt_impl(a: Operand, b: Operand): Tensor {
  return binary_kernel(a, b, 'lt', (x, y) => (x < y ? 1 : 0), 'bool');
}
function ge_impl(a: Operand, b: Operand): Tensor {
  return binary_kernel(a, b, 'ge', (x, y) => (x >= y ? 1 : 0), 'bool');
}
function le_impl(a: Operand, b: Operand): Tensor {
  return binary_kernel(a, b, 'le', (x, y) => (x <= y ? 1 : 0), 'bool');
}

/** torch.eq(a, b): a == b elementwise (bool). */
export const eq = define_function('eq', eq_impl);
/** torch.ne(a, b): a != b. */
export const ne = define_function('ne', ne_impl);
/** torch.gt(a, b): a > b. */
export const gt = define_function('gt', gt_impl);
/** torch.lt(a, b): a < b. */
export const lt = define_function('lt', lt_impl);
/** torch.ge(a, b): a >= b. */
export const ge = define_function('ge', ge_impl);
/** torch.le(a, b): a <= b. */
export const le = define_function('le', le_impl);

define_method('eq', eq_impl);
define_method('ne', ne_impl);
define_method('gt', gt_impl);
define_method('lt', lt_impl);
define_method('ge', ge_impl);
define_method('le', le_impl);
