/**
 * The wasm backend's transformer kernels (qmatmul, qadd_float, qlayer_norm, qsoftmax).
 * For now these run the js reference's code (so trivially bit-identical); assembly versions replace them.
 */
import { qadd_float } from '../js/int8/add_float.js';
import { qlayer_norm } from '../js/int8/layer_norm.js';
import { qmatmul } from '../js/int8/matmul.js';
import { qsoftmax } from '../js/int8/softmax.js';
import type { Int8Kernels } from '../types.js';
import type { WasmInstance } from './module.js';

export function make_wasm_transformer(
  _inst: WasmInstance,
): Pick<Int8Kernels, 'qmatmul' | 'qadd_float' | 'qlayer_norm' | 'qsoftmax'> {
  return { qmatmul, qadd_float, qlayer_norm, qsoftmax };
}
