/** fx: graph IR, symbolic tracing, GraphModule code generation, interpreter and pattern rewriting (torch.fx). */

export { buffer_reuse_enabled, set_buffer_reuse } from '../runtime/tensor/buffer_pool.js';
export { code_generation_allowed, type ForwardMode, set_forward_mode } from './codegen/compile.js';
export { to_dot, to_svg } from './codegen/dot.js';
export { CodegenError } from './codegen/emit.js';
export { tabular } from './codegen/table.js';
export { MAX_CONSTANT_DEPTH, MAX_CONSTANT_ELEMENTS, MAX_NODE_REFERENCES, MAX_STRING_LENGTH } from './ir/constants.js';
export * from './ir/graph.js';
export * from './ir/graph_module.js';
export * from './ir/interpreter.js';
export * from './ir/lint.js';
export { is_valid_node_name, Namespace, RESERVED_NAMES } from './ir/namespace.js';
export * from './ir/node.js';
export * from './ir/serialize.js';
export * from './ir/shape_prop.js';
export { SyntheticChain } from './ir/synthetic.js';
export { BUILTIN_FUNCTIONS, is_known_function, is_tensor_method } from './ir/targets.js';
export { type TopologicalOrder, topological_order } from './ir/topo.js';
export { kind_of, type ValueKind } from './ir/value_kinds.js';
export * from './pattern/match.js';
export * from './pattern/rewrite.js';
export * from './trace/errors.js';
export { register_leaf_namespace } from './trace/leaf.js';
export { is_proxy, Proxy } from './trace/proxy.js';
export * from './trace/symbolic_trace.js';
export * from './trace/tracer.js';
