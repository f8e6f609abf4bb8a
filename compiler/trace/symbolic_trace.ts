/** torch.fx.symbolic_trace: the one-call entry to tracing. */
import type { Module } from '../../runtime/nn/module.js';
import { GraphModule } from '../ir/graph_module.js';
import { Tracer, type TracerOptions } from './tracer.js';

/**
 * torch.fx.symbolic_trace: records `model.forward` as a GraphModule. `concrete_args` fixes
 * forward parameters (by name) to values, e.g. flags that drive control flow.
 */
export function symbolic_trace(
  model: Module,
  concrete_args?: Record<string, unknown>,
  options: TracerOptions = {},
): GraphModule {
  const tracer = new Tracer(options);
  const graph = tracer.trace(model, concrete_args ?? {});
  const name = model instanceof GraphModule ? model.class_name : model.constructor.name;
  return new GraphModule(model, graph, name, tracer.tensor_constants);
}
