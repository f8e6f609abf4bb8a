/**
 * An ordered list of Nodes with insertion points, as torch.fx's Graph. Naming lives in Namespace,
 * checks in lint.ts, code generation in compiler/codegen — this file is only structure.
 */

import type { Module } from '../../runtime/nn/module.js';
import { lookup_function } from '../../runtime/tensor/dispatch.js';
import { tabular } from '../codegen/table.js';
import { lint } from './lint.js';
import { candidate_from_target, Namespace } from './namespace.js';
import { type Argument, map_arg, Node, type Opcode } from './node.js';

/** The registry name of a function op given by name or as the function define_function returned. */
export function function_target(target: string | ((...args: never[]) => unknown)): string {
  if (typeof target === 'string') return target;
  const name = target.name;
  if (lookup_function(name) !== target) {
    throw new Error(
      `call_function: ${name || 'this function'} is not a registered op (define it with define_function)`,
    );
  }
  return name;
}

/** Options for Graph.eliminate_dead_code. */
export interface DeadCodeOptions {
  /** Nodes that must stay even without users (e.g. observers that record statistics). */
  is_impure?: (node: Node) => boolean;
}

/** A graph of FX nodes. `nodes` lists them in execution order. */
export class Graph {
  /** @internal sentinel of the node ring; never part of `nodes`. */
  readonly _root: Node;
  private readonly _namespace = new Namespace();
  private _insert_before: Node;
  private _len = 0;
  /** @internal bumped by every edit (nodes linked/unlinked, args, op or target changed): a cache key. */
  _version = 0;

  constructor() {
    this._root = new Node(this, '__root__', 'placeholder', '__root__', [], {});
    this._insert_before = this._root;
  }

  /** The nodes in order (a snapshot: safe to mutate the graph while iterating it). */
  get nodes(): Node[] {
    const out: Node[] = new Array(this._len);
    let i = 0;
    for (let n = this._root._next; n !== this._root; n = n._next) out[i++] = n;
    return out;
  }
  get length(): number {
    return this._len;
  }

  /** Nodes with a given op (and target, when given). */
  find_nodes(query: { op: Opcode; target?: string }): Node[] {
    return this.nodes.filter((n) => n.op === query.op && (query.target === undefined || n.target === query.target));
  }

  /**
   * Creates a node at the current insertion point (the end, unless inside inserting_before/after).
   * `name` defaults to one derived from the target; the namespace keeps it unique.
   */
  create_node(
    op: Opcode,
    target: string,
    args: readonly Argument[] = [],
    kwargs: Record<string, Argument> = {},
    name?: string,
  ): Node {
    const candidate = name ?? candidate_from_target(op, target);
    const node = new Node(this, this._namespace.create_name(candidate), op, target, args, kwargs);
    this._link_before(node, this._insert_before);
    return node;
  }

  /** An input of forward; `default_value` makes it optional. */
  placeholder(name: string, default_value?: Argument): Node {
    return this.create_node('placeholder', name, default_value === undefined ? [] : [default_value], {}, name);
  }
  get_attr(qualified_name: string): Node {
    return this.create_node('get_attr', qualified_name);
  }
  call_module(module_name: string, args: readonly Argument[] = [], kwargs: Record<string, Argument> = {}): Node {
    return this.create_node('call_module', module_name, args, kwargs);
  }
  /** `target` is a registry name ('add', 'F.relu') or the registered function itself (e.g. `F.relu`). */
  call_function(
    target: string | ((...args: never[]) => unknown),
    args: readonly Argument[] = [],
    kwargs: Record<string, Argument> = {},
  ): Node {
    return this.create_node('call_function', function_target(target), args, kwargs);
  }
  call_method(name: string, args: readonly Argument[] = [], kwargs: Record<string, Argument> = {}): Node {
    return this.create_node('call_method', name, args, kwargs);
  }
  /** The graph's result; a graph has exactly one output node, last. */
  output(result: Argument): Node {
    return this.create_node('output', 'output', [result], {}, 'output');
  }

  /** Runs `fn` with new nodes inserted before `node` (null = at the end), then restores the point. */
  inserting_before<T>(node: Node | null, fn: () => T): T {
    const saved = this._insert_before;
    this._insert_before = node ?? this._root;
    try {
      return fn();
    } finally {
      this._insert_before = saved;
    }
  }
  /** Runs `fn` with new nodes inserted after `node` (null = at the start). */
  inserting_after<T>(node: Node | null, fn: () => T): T {
    return this.inserting_before(node ? node._next : this._root._next, fn);
  }

  /** Removes a node; refuses while other nodes still use it. */
  erase_node(node: Node): void {
    if (node.graph !== this || node._erased) throw new Error(`erase_node: node '${node.name}' is not in this graph`);
    if (node.users.size > 0) {
      throw new Error(
        `erase_node: node '${node.name}' still has ${node.users.size} user(s): ${[...node.users].map((u) => u.name).join(', ')}; replace its uses first`,
      );
    }
    node._unlink_inputs();
    // an insertion point on the erased node moves to its successor (read before unlinking)
    if (this._insert_before === node) this._insert_before = node._next;
    this._unlink(node);
    // as FX, the name is not handed out again: logs and maps keyed by old names stay unambiguous
    node._erased = true;
  }

  /** Erases nodes whose values nobody uses (placeholders, output and impure nodes stay); true if any went. */
  eliminate_dead_code(options: DeadCodeOptions = {}): boolean {
    let changed = false;
    // walk backwards so a chain of dead nodes goes in one sweep
    for (let n = this._root._prev; n !== this._root; ) {
      const prev = n._prev;
      const keep = n.op === 'placeholder' || n.op === 'output' || (options.is_impure?.(n) ?? false);
      if (!keep && n.users.size === 0) {
        this.erase_node(n);
        changed = true;
      }
      n = prev;
    }
    return changed;
  }

  /**
   * Copies `node` from another graph into this one at the insertion point;
   * `arg_transform` maps the old node's inputs to nodes of this graph.
   */
  node_copy(node: Node, arg_transform: (n: Node) => Argument): Node {
    const args = node.args.map((a) => map_arg(a, arg_transform));
    const kwargs = map_arg(node.kwargs, arg_transform) as Record<string, Argument>;
    const copy = this.create_node(node.op, node.target, args, kwargs, node.name);
    copy.meta = { ...node.meta };
    return copy;
  }

  /** Copies every node of `other` except its output into this graph; returns the old → new map and output value. */
  graph_copy(other: Graph, value_remap: Map<Node, Node> = new Map()): { remap: Map<Node, Node>; output: Argument } {
    let output: Argument;
    for (const n of other.nodes) {
      if (n.op === 'output') {
        output = map_arg(n.args[0], (x) => value_remap.get(x) as Node);
        continue;
      }
      if (value_remap.has(n)) continue;
      value_remap.set(
        n,
        this.node_copy(n, (x) => value_remap.get(x) as Node),
      );
    }
    return { remap: value_remap, output };
  }

  /** The output node (null if the graph has none yet). */
  get output_node(): Node | null {
    const last = this._root._prev;
    return last !== this._root && last.op === 'output' ? last : null;
  }

  /** Renames a node through the namespace (keeps names unique and valid). */
  rename_node(node: Node, candidate: string): string {
    this._namespace.release(node.name);
    node.name = this._namespace.create_name(candidate);
    return node.name;
  }

  /** @internal creates a node with an exact name (loading serialized graphs); false if the name is taken. */
  _claim_name(name: string): boolean {
    return this._namespace.claim(name);
  }
  /** @internal appends an already-named node (from_json). */
  _append_named(
    op: Opcode,
    target: string,
    args: readonly Argument[],
    kwargs: Record<string, Argument>,
    name: string,
  ): Node {
    const node = new Node(this, name, op, target, args, kwargs);
    this._link_before(node, this._root);
    return node;
  }

  /** @internal */
  _move_before(node: Node, before: Node): void {
    if (node === before) return;
    this._unlink(node);
    this._link_before(node, before);
  }
  private _link_before(node: Node, before: Node): void {
    node._prev = before._prev;
    node._next = before;
    before._prev._next = node;
    before._prev = node;
    this._len++;
    this._version++;
  }
  private _unlink(node: Node): void {
    node._prev._next = node._next;
    node._next._prev = node._prev;
    node._prev = node;
    node._next = node;
    this._len--;
    this._version++;
  }

  /** Checks structure, names and targets (against `root` when given); throws GraphLintError listing every problem. */
  lint(root?: Module): void {
    lint(this, root);
  }

  /** Prints (and returns) one row per node: opcode, name, target, args, kwargs. */
  print_tabular(print_output = true): string {
    const text = tabular(this);
    if (print_output) console.log(text);
    return text;
  }

  toString(): string {
    return `graph():\n${this.nodes.map((n) => `    ${n.format_node()}`).join('\n')}`;
  }
}
