/**
 * The tracer prepare_fx uses (torch's QuantizationTracer): a Tracer that also records, on every
 * call_function / call_method node, the module whose forward made the call (`node.meta.scope` =
 * [qualified path, module class]) so function qconfigs can follow module_name / object_type entries of
 * the enclosing module, as torch's node_name_to_scope does. A TraceError gets the prepare_custom_config hint.
 */
import type { Module } from '../../runtime/nn/module.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { GraphModule } from '../ir/graph_module.js';
import { TraceError } from '../trace/errors.js';
import { proxy_node } from '../trace/proxy.js';
import { Tracer, type TracerOptions } from '../trace/tracer.js';

/** What node.meta.scope holds: the enclosing module's qualified name and class. */
export type Scope = [string, abstract new (...args: never[]) => unknown];

/** A Tracer recording node.meta.scope (see the header). */
export class ScopeTracer extends Tracer {
  override record(op: 'call_function' | 'call_method', target: string, args: unknown[]): Tensor {
    const out = super.record(op, target, args);
    const node = proxy_node(out);
    // module_stack is the Tracer's own bookkeeping (private in TS); read, never written
    const stack = (this as unknown as { module_stack: [string, Module][] }).module_stack;
    const top = stack[stack.length - 1];
    if (node && top && node.meta.scope === undefined) {
      node.meta.scope = [top[0], top[1].constructor] as Scope;
    }
    return out;
  }
}

/**
 * Traces `model` for quantization with `leaf_modules` as extra leaves. A TraceError is re-thrown with
 * the prepare_custom_config way to mark the offending module non-traceable.
 */
export function trace_for_quantization(model: Module, options: TracerOptions, where: string): GraphModule {
  const tracer = new ScopeTracer(options);
  let graph: ReturnType<Tracer['trace']>;
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
  return new GraphModule(model, graph, model.constructor.name, tracer.tensor_constants);
}
