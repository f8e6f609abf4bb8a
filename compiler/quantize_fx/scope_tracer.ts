/**
 * Tracing for prepare_fx (torch's QuantizationTracer): a plain Tracer, then every call_function /
 * call_method node gets `node.meta.scope` = [qualified path, module class] of the innermost module whose
 * forward made the call — the last entry of the tracer's node.meta.nn_module_stack, or the root — so
 * function qconfigs can follow module_name / object_type entries of the enclosing module, as torch's
 * node_name_to_scope does. A TraceError gets the prepare_custom_config hint.
 */
import type { Module } from '../../runtime/nn/module.js';
import type { Graph } from '../ir/graph.js';
import { GraphModule } from '../ir/graph_module.js';
import { TraceError } from '../trace/errors.js';
import { type NnModuleStack, Tracer, type TracerOptions } from '../trace/tracer.js';

/** What node.meta.scope holds: the enclosing module's qualified name and class. */
export type Scope = [string, abstract new (...args: never[]) => unknown];

/** Sets node.meta.scope on the function / method nodes of `graph` traced from `root` (see the header). */
export function record_scopes(graph: Graph, root: Module): void {
  for (const node of graph.nodes) {
    if (node.op !== 'call_function' && node.op !== 'call_method') continue;
    if (node.meta.scope !== undefined) continue;
    const stack = node.meta.nn_module_stack as NnModuleStack | undefined;
    const path = stack?.[stack.length - 1]?.[0] ?? '';
    const mod = path === '' ? root : root.get_submodule(path);
    node.meta.scope = [path, mod.constructor] as Scope;
  }
}

/**
 * Traces `model` for quantization with `leaf_modules` as extra leaves. A TraceError is re-thrown with
 * the prepare_custom_config way to mark the offending module non-traceable.
 */
export function trace_for_quantization(model: Module, options: TracerOptions, where: string): GraphModule {
  const tracer = new Tracer(options);
  let graph: Graph;
  try {
    graph = tracer.trace(model, {});
  } catch (e) {
    if (e instanceof TraceError) {
      const m = /in module '([^']+)'/.exec(e.message);
      const hint = m
        ? `mark it non-traceable: ${where}(model, qconfig_mapping, example_inputs, { non_traceable_module_names: ['${m[1]}'] }) (or non_traceable_module_classes: [ItsClass])`
        : `move the untraceable code into a submodule and list it in prepare_custom_config { non_traceable_module_names: [...] } or non_traceable_module_classes`;
      throw new TraceError(`${where}: the model cannot be symbolically traced: ${e.message}\n  Hint: ${hint}.`);
    }
    throw e;
  }
  record_scopes(graph, model);
  return new GraphModule(model, graph, model.constructor.name, tracer.tensor_constants);
}
