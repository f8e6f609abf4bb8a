/**
 * GraphModule: an nn.Module that owns a Graph and the submodules/attributes the graph references
 * (by qualified name, so named_modules and qconfig module_name keys keep working), and runs the
 * forward generated from the graph.
 */
import '../../runtime/all_ops.js'; // every op a graph may name is registered
import { is_grad_enabled } from '../../runtime/autograd/grad_mode.js';
import { Module } from '../../runtime/nn/module.js';
import { BufferPool, buffer_reuse_enabled, with_buffer_pool } from '../../runtime/tensor/buffer_pool.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { type CompiledGraph, compile_forward, node_of_error } from '../codegen/compile.js';
import { to_dot, to_svg } from '../codegen/dot.js';
import { emit_forward } from '../codegen/emit.js';
import { checks_hold, type ModuleCheck, plan_releases } from '../codegen/release_plan.js';
import { render_source, type SourceOptions } from '../codegen/source.js';
import type { Graph } from './graph.js';
import { type FromJsonOptions, type GraphJson, graph_from_json, graph_to_json } from './serialize.js';
import { is_valid_path } from './targets.js';

type Slots = Record<string, unknown>;

/** Reads `path` from a module tree or from a flat {qualified name: value} record. */
function read_path(root: Module | Record<string, unknown>, path: string, what: string): unknown {
  if (root instanceof Module) {
    if (what === 'call_module') return root.get_submodule(path);
    return root.get_attr(path);
  }
  if (!(path in root)) throw new Error(`GraphModule: ${what} target '${path}' is not among the given attributes`);
  return root[path];
}

/** Whether `path` names a buffer of `root`; `cache` keeps each owner's buffer names (one pass per owner, not per node). */
function is_buffer_of(root: Module | Record<string, unknown>, path: string, cache: Map<Module, Set<string>>): boolean {
  if (!(root instanceof Module)) return false;
  const dot = path.lastIndexOf('.');
  const owner = dot < 0 ? root : root.get_submodule(path.slice(0, dot));
  let names = cache.get(owner);
  if (!names) {
    names = new Set([...owner.named_buffers('', false)].map(([k]) => k));
    cache.set(owner, names);
  }
  return names.has(path.slice(dot + 1));
}

/** Parents assign_attr created empty; the real module, when copied later, replaces them (as torch.fx's setattr). */
const placeholder_parents = new WeakSet<Module>();

/** Sets `value` at a dotted path under `m`, creating empty parent modules as FX does. */
export function assign_attr(m: Module, path: string, value: unknown, as_buffer = false, persistent = true): void {
  const parts = path.split('.');
  let cur = m;
  for (const p of parts.slice(0, -1)) {
    let next = (cur as unknown as Slots)[p];
    if (!(next instanceof Module)) {
      next = new Module();
      placeholder_parents.add(next as Module);
      cur.add_module(p, next as Module);
    }
    cur = next as Module;
  }
  const last = parts[parts.length - 1];
  if (as_buffer && (value instanceof Tensor || value === null))
    cur.register_buffer(last, value as Tensor | null, persistent);
  else (cur as unknown as Slots)[last] = value;
}

/** A Module whose forward is generated from `graph`. */
export class GraphModule extends Module {
  /** Shown in printed code and errors; the traced class's name by default. */
  class_name: string;
  private _graph: Graph;
  private _compiled: CompiledGraph | null = null;
  /** Activation storage the compiled forward released, reused by the next outputs (runtime/tensor/buffer_pool.ts). */
  private _pool: BufferPool | null = null;
  private _release_checks: ModuleCheck[] = [];
  private _code: string | null = null;
  private _emitted: ReturnType<typeof emit_forward> | null = null;

  /**
   * Copies (by reference, as FX) every submodule and attribute the graph's call_module and
   * get_attr nodes name from `root`, then compiles the forward.
   */
  constructor(
    root: Module | Record<string, unknown>,
    graph: Graph,
    class_name = 'GraphModule',
    /** Attributes not in `root` by qualified name (the tracer's tensor constants). */
    extra_attrs: Record<string, unknown> = {},
  ) {
    super();
    this.class_name = class_name;
    this._graph = graph;
    if (root instanceof Module) this.training = root.training;
    const buffers = new Map<Module, Set<string>>();
    for (const node of graph.nodes) {
      if (node.op !== 'call_module' && node.op !== 'get_attr') continue;
      // checked before anything is assigned: a path like '__proto__.x' must never reach assign_attr
      if (!is_valid_path(node.target)) {
        throw new Error(
          `GraphModule: node '${node.name}' has ${node.op} target ${JSON.stringify(node.target)}, which is not a dotted path of identifiers`,
        );
      }
      // a parent created empty for an earlier get_attr ('fc' for 'fc.weight') is no module to call: copy the real one
      if (this._has_path(node.target) && !placeholder_parents.has(this.get_attr(node.target) as Module)) continue;
      const first = node.target.split('.')[0];
      if (!this._slot_usable(first)) {
        throw new Error(
          `GraphModule: ${node.op} target '${node.target}' would overwrite GraphModule's own '${first}'; rename that submodule/attribute`,
        );
      }
      if (Object.hasOwn(extra_attrs, node.target)) {
        assign_attr(this, node.target, extra_attrs[node.target], true, false);
        continue;
      }
      const value = read_path(root, node.target, node.op);
      assign_attr(this, node.target, value, node.op === 'get_attr' && is_buffer_of(root, node.target, buffers));
    }
    this.recompile();
  }

  /** True when a top-level name is free or already holds a submodule (never a GraphModule member). */
  private _slot_usable(name: string): boolean {
    // a descriptor, not a read: reading `code` would run its getter
    const desc = Object.getOwnPropertyDescriptor(this, name);
    return desc ? desc.value instanceof Module : !(name in this);
  }

  private _has_path(path: string): boolean {
    let cur: unknown = this;
    for (const p of path.split('.')) {
      if (!(cur instanceof Module) || !Object.hasOwn(cur, p)) return false;
      cur = (cur as unknown as Slots)[p];
    }
    return true;
  }

  get graph(): Graph {
    return this._graph;
  }
  /** Replacing the graph recompiles the forward. */
  set graph(g: Graph) {
    this._graph = g;
    this.recompile();
  }

  /** Regenerates and recompiles the forward from the graph; call after editing the graph. */
  recompile(): void {
    this._emitted = emit_forward(this._graph.nodes);
    const statement_of = new Map(this._emitted.nodes.map((n, i) => [n, i]));
    const plan = plan_releases(this._graph.nodes, statement_of, this);
    this._compiled = compile_forward(this._emitted, plan.after);
    this._release_checks = plan.checks;
    this._pool = this._compiled.releases ? (this._pool ?? new BufferPool()) : null;
    this._code = null;
  }

  /** The generated forward's TypeScript module (types imported from `fxq`). */
  get code(): string {
    if (this._code === null) this._code = this.generate_source();
    return this._code;
  }

  /** gm.code with other options (e.g. another import specifier for type-checking elsewhere). */
  generate_source(options: SourceOptions = {}): string {
    if (!this._emitted) this.recompile();
    const paths = this._graph.nodes.filter((n) => n.op === 'call_module' || n.op === 'get_attr').map((n) => n.target);
    return render_source(this._emitted as NonNullable<typeof this._emitted>, new Set(paths), (p) => this.get_attr(p), {
      class_name: this.class_name,
      ...options,
    });
  }

  /** Runs the compiled forward; an error inside it names the node whose statement failed. */
  forward(...args: unknown[]): unknown {
    const compiled = this._compiled as CompiledGraph;
    const params = (this._emitted as NonNullable<typeof this._emitted>).params;
    const required = params.filter((p) => p.default_expr === undefined).length;
    if (args.length < required || args.length > params.length) {
      const want = required === params.length ? `${required}` : `${required} to ${params.length}`;
      throw new Error(
        `${this.class_name}.forward takes ${want} input(s) (${params.map((p) => p.name).join(', ')}), got ${args.length}`,
      );
    }
    try {
      // activations are reused only where nothing else can hold them: no autograd tape, the compiled submodules
      // in place; otherwise the forward runs with no pool (an outer GraphModule's pool must not see releases)
      const pool =
        this._pool && buffer_reuse_enabled() && !is_grad_enabled() && checks_hold(this._release_checks)
          ? this._pool
          : null;
      if (pool === null && !compiled.releases) return compiled.fn.apply(this, args);
      return with_buffer_pool(pool, () => compiled.fn.apply(this, args));
    } catch (e) {
      const node = node_of_error(e, compiled);
      if (node && e instanceof Error && !e.message.includes('[fxq node')) {
        e.message += `\n  [fxq node '${node.name}' of ${this.class_name}: ${node.format_node()}]`;
      }
      throw e;
    }
  }

  /** The forward as readable code with the submodules it uses; printed unless print_output is false. */
  print_readable(print_output = true): string {
    const mods = [...this.named_modules()]
      .filter(([p]) => p !== '')
      .map(([p, m]) => `//   ${p}: ${m.constructor.name}(${m.extra_repr()})`);
    const text = `// class ${this.class_name} extends GraphModule\n// submodules:\n${mods.join('\n')}\n${this.code}`;
    if (print_output) console.log(text);
    return text;
  }

  /** Adds (or replaces) a submodule at a dotted path, creating empty parents; as torch's add_submodule. */
  add_submodule(target: string, module: Module): boolean {
    if (!is_valid_path(target)) throw new Error(`add_submodule: '${target}' is not a dotted path of identifiers`);
    const first = target.split('.')[0];
    if (!this._slot_usable(first)) {
      throw new Error(`add_submodule: '${target}' would overwrite GraphModule's own '${first}'`);
    }
    assign_attr(this, target, module);
    return true;
  }

  /** Removes the submodule at a dotted path; false if there was none. */
  delete_submodule(target: string): boolean {
    const dot = target.lastIndexOf('.');
    let parent: Module;
    try {
      parent = dot < 0 ? this : this.get_submodule(target.slice(0, dot));
    } catch {
      return false;
    }
    const name = target.slice(dot + 1);
    if (!((parent as unknown as Slots)[name] instanceof Module)) return false;
    delete (parent as unknown as Slots)[name];
    return true;
  }

  /** Deletes submodules no call_module/get_attr node reaches (after passes replaced them). */
  delete_all_unused_submodules(): void {
    const used = new Set<string>(['']);
    for (const n of this._graph.nodes) {
      if (n.op !== 'call_module' && n.op !== 'get_attr') continue;
      const parts = n.target.split('.');
      // a used module keeps its parents and (for call_module) everything under it
      for (let i = 1; i <= parts.length; i++) used.add(parts.slice(0, i).join('.'));
    }
    const called = new Set(this._graph.nodes.filter((n) => n.op === 'call_module').map((n) => n.target));
    // under a called module when a proper dotted prefix is called (set lookups: linear in the tree's size)
    const under_called = (p: string): boolean => {
      for (let at = p.indexOf('.'); at >= 0; at = p.indexOf('.', at + 1)) if (called.has(p.slice(0, at))) return true;
      return false;
    };
    const unused = [...this.named_modules()].map(([p]) => p).filter((p) => !used.has(p) && !under_called(p));
    // delete deepest first so parents' deletes do not invalidate children's paths
    for (const p of unused.sort((a, b) => b.length - a.length)) this.delete_submodule(p);
  }

  /** The graph as JSON (weights are not included: they live in the module's state_dict). */
  to_json(): GraphJson {
    return graph_to_json(this._graph, this.class_name);
  }

  /**
   * Rebuilds a GraphModule from `to_json` output, taking submodules and attributes from `root`.
   * The JSON is checked against the graph schema (names, targets, keys, constants, value kinds,
   * arities, order) before any code is generated; `options.source` (a file path) prefixes errors.
   */
  static from_json(json: unknown, root: Module, options: FromJsonOptions = {}): GraphModule {
    const graph = graph_from_json(json, root, options);
    const name = (json as { class_name?: unknown }).class_name;
    const class_name = typeof name === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : 'GraphModule';
    return new GraphModule(root, graph, class_name);
  }

  /** Graphviz DOT text of the graph. */
  to_dot(): string {
    return to_dot(this._graph, this.class_name);
  }
  /** SVG of the graph (async: Graphviz runs as wasm). */
  to_svg(): Promise<string> {
    return to_svg(this._graph, this.class_name);
  }

  extra_repr(): string {
    return `class_name=${this.class_name}, nodes=${this._graph.length}`;
  }
}
