/**
 * Runs a GraphModule node by node, as torch.fx.Interpreter: the semantic oracle for passes and
 * the base of shape propagation and debugging tools. Override run_node or one op's method.
 */
import '../../runtime/all_ops.js'; // every op a graph may name is registered
import type { Module } from '../../runtime/nn/module.js';
import { lookup_function } from '../../runtime/tensor/dispatch.js';
import { run_builtin } from './builtins.js';
import type { GraphModule } from './graph_module.js';
import { type Argument, map_arg, type Node } from './node.js';
import { BUILTIN_FUNCTIONS } from './targets.js';

type Args = unknown[];
type Kwargs = Record<string, unknown>;

function with_kwargs(args: Args, kwargs: Kwargs): Args {
  return Object.keys(kwargs).length ? [...args, kwargs] : args;
}

/** Executes a GraphModule's graph one node at a time. */
export class Interpreter {
  readonly module: GraphModule;
  /** Values computed so far, by node (cleared at the start of each run). */
  env = new Map<Node, unknown>();
  /** As torch: drop each value from env after its last use, so a run holds only live activations. */
  readonly garbage_collect_values: boolean;
  private _inputs: unknown[] = [];
  private _next_input = 0;

  constructor(module: GraphModule, garbage_collect_values = true) {
    this.module = module;
    this.garbage_collect_values = garbage_collect_values;
  }

  /** Node → the nodes it reads for the last time (walking backwards, the first reader seen is the last). */
  private last_uses(): Map<Node, Node[]> {
    const seen = new Set<Node>();
    const out = new Map<Node, Node[]>();
    const nodes = this.module.graph.nodes;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const user = nodes[i];
      const reads: Node[] = [];
      const visit = (n: Node): Argument => {
        if (!seen.has(n)) {
          seen.add(n);
          reads.push(n);
        }
        return n;
      };
      for (const a of user.args) map_arg(a, visit);
      map_arg(user.kwargs, visit);
      if (reads.length) out.set(user, reads);
    }
    return out;
  }

  /** Runs the graph on `args`; returns what the output node returns. */
  run(...args: unknown[]): unknown {
    this.env = new Map();
    this._inputs = args;
    this._next_input = 0;
    const last_uses = this.garbage_collect_values ? this.last_uses() : null;
    for (const node of this.module.graph.nodes) {
      let value: unknown;
      try {
        value = this.run_node(node);
      } catch (e) {
        if (e instanceof Error && !e.message.includes('[fxq node'))
          e.message += `\n  [fxq node '${node.name}': ${node.format_node()}]`;
        throw e;
      }
      if (node.op === 'output') {
        if (last_uses) this.env = new Map(); // values no node reads (dead code) are not kept either
        return value;
      }
      this.env.set(node, value);
      const dead = last_uses?.get(node);
      if (dead) for (const n of dead) this.env.delete(n);
    }
    throw new Error('Interpreter: the graph has no output node');
  }

  /** Runs one node: fetches its inputs from env and calls the method named after its op. */
  run_node(node: Node): unknown {
    const [args, kwargs] = this.fetch_args_kwargs_from_env(node);
    switch (node.op) {
      case 'placeholder':
        return this.placeholder(node.target, args, kwargs);
      case 'get_attr':
        return this.get_attr(node.target, args, kwargs);
      case 'call_function':
        return this.call_function(node.target, args, kwargs);
      case 'call_method':
        return this.call_method(node.target, args, kwargs);
      case 'call_module':
        return this.call_module(node.target, args, kwargs);
      case 'output':
        return this.output(node.target, args, kwargs);
    }
  }

  /** Replaces node references in the node's args/kwargs by their computed values. */
  fetch_args_kwargs_from_env(node: Node): [Args, Kwargs] {
    const load = (n: Node): Argument => {
      if (!this.env.has(n))
        throw new Error(`Interpreter: node '${node.name}' reads '${n.name}' before it was computed`);
      return this.env.get(n) as Argument;
    };
    return [node.args.map((a) => map_arg(a, load)) as Args, map_arg(node.kwargs, load) as Kwargs];
  }

  placeholder(target: string, args: Args, _kwargs: Kwargs): unknown {
    const i = this._next_input++;
    if (i < this._inputs.length) return this._inputs[i];
    if (args.length) return args[0];
    throw new Error(`Interpreter: missing input '${target}' (forward got ${this._inputs.length} argument(s))`);
  }
  get_attr(target: string, _args: Args, _kwargs: Kwargs): unknown {
    return this.module.get_attr(target);
  }
  call_function(target: string, args: Args, kwargs: Kwargs): unknown {
    if (BUILTIN_FUNCTIONS.has(target)) return run_builtin(target, args);
    const fn = lookup_function(target);
    if (!fn) throw new Error(`Interpreter: function '${target}' is not registered`);
    return fn(...with_kwargs(args, kwargs));
  }
  call_method(target: string, args: Args, kwargs: Kwargs): unknown {
    const [self, ...rest] = args;
    const m = (self as Record<string, unknown> | null)?.[target];
    if (typeof m !== 'function') throw new Error(`Interpreter: value has no method '${target}'`);
    return (m as (...a: unknown[]) => unknown).apply(self, with_kwargs(rest, kwargs));
  }
  call_module(target: string, args: Args, kwargs: Kwargs): unknown {
    const m: Module = this.module.get_submodule(target);
    return m.call(...with_kwargs(args, kwargs));
  }
  output(_target: string, args: Args, _kwargs: Kwargs): unknown {
    return args[0];
  }
}
