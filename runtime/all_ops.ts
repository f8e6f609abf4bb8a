/**
 * Importing this module registers every function and method a graph may name (runtime/tensor/dispatch.ts):
 * tensor ops and methods, `F.*`, `quantized.*`, quantize/dequantize and the fake-quant ops. GraphModule and
 * the Interpreter import it, so a graph loaded from a file finds every op whatever else the program imported
 * (tfjs's register-all list, for the same reason).
 */
import './tensor/ops_all.js';
import './nn/functional/index.js';
import './quantized/functional/index.js';
import './quant/qtensor.js';
import './quant/fake_quantize_ops.js';
