/** fx: graph IR, symbolic tracing, GraphModule code generation, interpreter and pattern rewriting (torch.fx). */
export * from './ir/node.js';
export * from './ir/graph.js';
export * from './ir/graph_module.js';
export * from './ir/lint.js';
export * from './ir/interpreter.js';
export * from './ir/shape_prop.js';
export { Namespace, RESERVED_NAMES, is_valid_node_name } from './ir/namespace.js';
export { BUILTIN_FUNCTIONS, is_known_function, is_tensor_method } from './ir/targets.js';
export * from './trace/errors.js';
export { Proxy, is_proxy } from './trace/proxy.js';
export * from './trace/tracer.js';
export { CodegenError } from './codegen/emit.js';
export * from './ir/serialize.js';
export { to_dot, to_svg } from './codegen/dot.js';
export { tabular } from './codegen/table.js';
export * from './pattern/match.js';
export * from './pattern/rewrite.js';
export { SyntheticChain } from './ir/synthetic.js';
