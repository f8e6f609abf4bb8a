/**
 * Symbolic tracing: runs forward on Proxy values and records a Graph. Ops are recorded through
 * the dispatch hook (runtime/tensor/dispatch.ts); module calls through a per-instance `forward`
 * patch (leaf modules become call_module, others are traced through); tensor attributes of
 * traced-through modules read as get_attr. Every patch is undone in `finally`.
 */
import { Module } from '../../runtime/nn/module.js';
import { set_trace_hook, type TraceHook } from '../../runtime/tensor/dispatch.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { MAX_CONSTANT_DEPTH } from '../ir/constants.js';
import { Graph } from '../ir/graph.js';
import { GraphModule } from '../ir/graph_module.js';
import { type Argument, is_plain_object, Node, set_own } from '../ir/node.js';
import { TraceError } from './errors.js';
import { is_builtin_module_class } from './leaf.js';
import { forward_params } from './params.js';
import { type ProxyOwner, proxy_node, Proxy as TraceProxy } from './proxy.js';

// biome-ignore lint/suspicious/noExplicitAny: a module class of any constructor signature
type ModuleClass = abstract new (...args: any[]) => Module;

/** Tracer settings. */
export interface TracerOptions {
  /** Extra leaf (non-traceable) modules: classes, or qualified names like 'layer1.gate'. */
  leaf_modules?: (ModuleClass | string)[];
}

type Slots = Record<string, unknown>;

/**
 * torch's node.meta.nn_module_stack: the modules a node was recorded inside, outermost first, as
 * [qualified path, class name]; the root is not listed (a node of the root's own forward has none) and a
 * leaf's call_module node lists the leaf itself last, as torch's Tracer.call_module does.
 */
export type NnModuleStack = [path: string, class_name: string][];

interface Patch {
  obj: object;
  key: string;
  had_own: boolean;
  desc?: PropertyDescriptor;
}

/** Records a module's forward as a Graph. Subclass and override is_leaf_module to change leaves. */
export class Tracer implements TraceHook, ProxyOwner {
  graph = new Graph();
  root: Module = new Module();
  /** Tensors met as constants while tracing, stored on the GraphModule by these names. */
  tensor_constants: Record<string, Tensor> = {};
  private readonly leaf_classes: Set<unknown>;
  private readonly leaf_names: Set<string>;
  private module_stack: [string, Module][] = [];
  private attr_nodes = new Map<string, Node>();
  private getattr_cache = new Map<string, Tensor>();
  private tensor_paths = new Map<Tensor, string>();
  private constant_ids = new Map<Tensor, string>();
  private patches: Patch[] = [];
  /** Modules whose forward is patched (a Set: a scan of `patches` per module is quadratic in big models). */
  private patched_forward = new Set<Module>();

  constructor(options: TracerOptions = {}) {
    this.leaf_classes = new Set((options.leaf_modules ?? []).filter((x) => typeof x !== 'string'));
    this.leaf_names = new Set((options.leaf_modules ?? []).filter((x): x is string => typeof x === 'string'));
  }

  /** Leaves are recorded as call_module: built-in layers and anything marked non-traceable. */
  is_leaf_module(m: Module, qualified_name: string): boolean {
    if (this.leaf_names.has(qualified_name)) return true;
    for (let c: unknown = m.constructor; c && c !== Module; c = Object.getPrototypeOf(c)) {
      if (this.leaf_classes.has(c)) return true;
    }
    return is_builtin_module_class(m.constructor);
  }

  /** Traces `root.forward`; `concrete_args` fixes parameters by name instead of tracing them. */
  trace(root: Module, concrete_args: Record<string, unknown> = {}): Graph {
    return this.run_trace(root, Object.getPrototypeOf(root).forward, concrete_args);
  }

  /** Traces `fn` (a function of tensors) with `root` as `this`: replace_pattern traces its functions this way. */
  trace_callable(
    root: Module,
    fn: (...args: unknown[]) => unknown,
    concrete_args: Record<string, unknown> = {},
  ): Graph {
    return this.run_trace(root, fn, concrete_args);
  }

  private run_trace(
    root: Module,
    forward: (...a: unknown[]) => unknown,
    concrete_args: Record<string, unknown>,
  ): Graph {
    this.root = root;
    this.graph = new Graph();
    const prev = set_trace_hook(this);
    try {
      for (const [p, t] of root.named_parameters()) this.tensor_paths.set(t, p);
      for (const [p, t] of root.named_buffers()) if (!this.tensor_paths.has(t)) this.tensor_paths.set(t, p);
      this.patch_tree(root, '');
      const args = this.make_inputs(root, forward, concrete_args);
      this.module_stack = [['', root]];
      const result = forward.apply(root, args);
      this.graph.output(this.create_arg(result));
      return this.graph;
    } finally {
      set_trace_hook(prev);
      for (const p of this.patches.reverse()) {
        if (p.had_own && p.desc) Object.defineProperty(p.obj, p.key, p.desc);
        else delete (p.obj as Slots)[p.key];
      }
      this.patches = [];
      this.patched_forward.clear();
      this.module_stack = [];
    }
  }

  private make_inputs(root: Module, forward: unknown, concrete_args: Record<string, unknown>): unknown[] {
    const params =
      root instanceof GraphModule
        ? root.graph
            .find_nodes({ op: 'placeholder' })
            .map((n) => ({ name: n.target, rest: false, has_default: n.args.length > 0 }))
        : forward_params(forward, root.constructor.name);
    for (const k of Object.keys(concrete_args)) {
      if (!params.some((p) => p.name === k)) {
        throw new TraceError(
          `concrete_args: ${root.constructor.name}.forward has no parameter '${k}' (it has ${params.map((p) => p.name).join(', ')})`,
        );
      }
    }
    return params.map((p) => {
      if (Object.hasOwn(concrete_args, p.name)) return concrete_args[p.name];
      if (p.rest)
        throw new TraceError(
          `${root.constructor.name}.forward(...${p.name}): a rest parameter has no fixed arity; declare named parameters`,
        );
      // a defaulted parameter keeps its default (passing undefined): the default is baked in like a concrete arg
      if (p.has_default) return undefined;
      return this.proxy(this.graph.placeholder(p.name));
    });
  }

  /** Patches forward of every module and tensor attributes of traced-through ones, depth first. */
  private patch_tree(m: Module, path: string): void {
    const leaf = path !== '' && this.is_leaf_module(m, path);
    if (path !== '') this.patch_forward(m, path, leaf);
    if (leaf) return;
    // read everything before installing getters: Object.entries would call them and record nodes
    const entries = Object.entries(m);
    for (const [name, child] of entries) {
      if (child instanceof Module) this.patch_tree(child, path ? `${path}.${name}` : name);
    }
    for (const [k, v] of entries) {
      if (v instanceof Tensor) this.patch_tensor_attr(m, k, path ? `${path}.${k}` : k);
    }
  }

  private save(obj: object, key: string): void {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    this.patches.push({ obj, key, had_own: desc !== undefined, desc });
  }

  private patch_forward(m: Module, path: string, leaf: boolean): void {
    if (this.patched_forward.has(m)) return; // shared instance
    this.patched_forward.add(m);
    const original = m.forward as (...a: unknown[]) => unknown;
    this.save(m, 'forward');
    const tracer = this;
    const patched = leaf
      ? (...args: unknown[]) => {
          const node = tracer.graph.call_module(
            path,
            args.map((a) => tracer.create_arg(a)),
          );
          tracer.stamp_module_stack(node, [path, m.constructor.name]);
          return tracer.proxy(node);
        }
      : function (this: Module, ...args: unknown[]) {
          tracer.module_stack.push([path, m]);
          try {
            return original.apply(this, args);
          } finally {
            tracer.module_stack.pop();
          }
        };
    Object.defineProperty(m, 'forward', { value: patched, configurable: true, writable: true, enumerable: false });
  }

  private patch_tensor_attr(m: Module, key: string, path: string): void {
    this.save(m, key);
    Object.defineProperty(m, key, {
      configurable: true,
      enumerable: true,
      get: () => this.get_attr_proxy(path),
      set: () => {
        throw this.trace_error(`assigning module attribute '${path}' inside forward`);
      },
    });
  }

  private get_attr_proxy(path: string): Tensor {
    const fresh = !this.attr_nodes.has(path);
    const node = this.get_attr_node(path);
    if (fresh) this.stamp_module_stack(node);
    return this.proxy(node);
  }

  /** Records node.meta.nn_module_stack (see NnModuleStack) from the modules being traced through. */
  private stamp_module_stack(node: Node, leaf?: [string, string]): void {
    // module_stack[0] is the root: torch's stack starts below it
    const stack: NnModuleStack = this.module_stack.slice(1).map(([p, m]) => [p, m.constructor.name]);
    if (leaf) stack.push(leaf);
    if (stack.length > 0) node.meta.nn_module_stack = stack;
  }

  /** Wraps a node in a traced value. */
  proxy(node: Node): Tensor {
    return new TraceProxy(node, this);
  }

  /** Turns a runtime value into a graph argument: proxies to nodes, tensors to get_attr, constants as is. */
  create_arg(v: unknown): Argument {
    return this.arg_at(v, 0);
  }

  private arg_at(v: unknown, depth: number): Argument {
    const node = proxy_node(v);
    if (node) return node;
    if (v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
      return v;
    if (depth >= MAX_CONSTANT_DEPTH && (Array.isArray(v) || is_plain_object(v)))
      throw this.trace_error(`passing a constant nested deeper than ${MAX_CONSTANT_DEPTH} levels as an op argument`);
    if (Array.isArray(v)) return v.map((x) => this.arg_at(x, depth + 1));
    if (v instanceof Tensor) {
      const path = this.tensor_paths.get(v);
      if (path) return this.get_attr_node(path);
      let name = this.constant_ids.get(v);
      if (!name) {
        name = `_tensor_constant${this.constant_ids.size}`;
        this.constant_ids.set(v, name);
        this.tensor_constants[name] = v;
      }
      return this.get_attr_node(name);
    }
    if (is_plain_object(v)) {
      const out: Record<string, Argument> = {};
      for (const [k, x] of Object.entries(v)) set_own(out, k, this.arg_at(x, depth + 1));
      return out;
    }
    if (v instanceof Node) throw this.trace_error(`a graph Node ('${v.name}') was passed where a value was expected`);
    const kind =
      v instanceof Module
        ? `module ${v.constructor.name}`
        : typeof v === 'function'
          ? 'function'
          : ((v as object).constructor?.name ?? typeof v);
    throw this.trace_error(
      `passing a ${kind} as an op argument (only tensors, numbers, strings, booleans, null and arrays/objects of them are recorded)`,
    );
  }

  private get_attr_node(path: string): Node {
    let node = this.attr_nodes.get(path);
    if (!node) {
      node = this.graph.get_attr(path);
      this.attr_nodes.set(path, node);
    }
    return node;
  }

  // --- TraceHook (called by dispatch.ts) and ProxyOwner
  contains_proxy(values: readonly unknown[]): boolean {
    const seen = (v: unknown, depth: number): boolean => {
      if (v === null || typeof v !== 'object' || depth > 8) return false;
      if (proxy_node(v)) return true;
      if (Array.isArray(v)) return v.some((x) => seen(x, depth + 1));
      if (is_plain_object(v)) return Object.values(v).some((x) => seen(x, depth + 1));
      return false;
    };
    return values.some((v) => seen(v, 0));
  }
  record_function(name: string, args: unknown[]): unknown {
    return this.record('call_function', name, args);
  }
  record_method(name: string, self: unknown, args: unknown[]): unknown {
    return this.record('call_method', name, [self, ...args]);
  }
  record(op: 'call_function' | 'call_method', target: string, args: unknown[]): Tensor {
    // x.shape read twice is one node: the generated code reads it once
    const cacheable = op === 'call_function' && target === 'getattr';
    const key = cacheable ? `${proxy_node(args[0])?.name}.${String(args[1])}` : '';
    const hit = cacheable ? this.getattr_cache.get(key) : undefined;
    if (hit) return hit;
    const node = this.graph.create_node(
      op,
      target,
      args.map((a) => this.create_arg(a)),
      {},
      // Tensor.index is Python's x[...]: named as torch.fx names operator.getitem
      op === 'call_method' && target === 'index' ? 'getitem' : undefined,
    );
    this.stamp_module_stack(node);
    const proxy = this.proxy(node);
    if (cacheable) this.getattr_cache.set(key, proxy);
    return proxy;
  }

  /** The module being traced, for messages: 'layer1.gate' (Gate), or the root's class. */
  current_module(): string {
    const [path, m] = this.module_stack[this.module_stack.length - 1] ?? ['', this.root];
    return path === '' ? `the root module (${m.constructor.name})` : `module '${path}' (${m.constructor.name})`;
  }
  trace_error(what: string): Error {
    const [path] = this.module_stack[this.module_stack.length - 1] ?? [''];
    const fix =
      path === ''
        ? 'move that code into a submodule and mark it a leaf, or pass the value through concrete_args'
        : `mark '${path}' as a leaf module (symbolic_trace(model, concrete_args, { leaf_modules: ['${path}'] }) or override Tracer.is_leaf_module), or pass the value through concrete_args`;
    return new TraceError(
      `symbolic trace of ${this.root.constructor.name}: in ${this.current_module()}: ${what}. Fix: ${fix}.`,
    );
  }
}
