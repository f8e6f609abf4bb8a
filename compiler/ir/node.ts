/**
 * A node of the FX IR. Like torch.fx's Node it keeps its use-def links both ways by itself:
 * assigning `args`/`kwargs` re-links `users`, so passes can never leave dangling edges.
 */
import type { Graph } from './graph.js';

/** The six FX op kinds. */
export type Opcode = 'placeholder' | 'get_attr' | 'call_module' | 'call_function' | 'call_method' | 'output';

/** Every op kind, in the order FX lists them. */
export const OPCODES: readonly Opcode[] = [
  'placeholder',
  'get_attr',
  'call_module',
  'call_function',
  'call_method',
  'output',
];

/** What a node's argument can be: other nodes, constants, and arrays/objects of those. */
export type Argument =
  | Node
  | number
  | string
  | boolean
  | null
  | undefined
  | readonly Argument[]
  | { readonly [key: string]: Argument };

/** Node metadata (shape propagation, qconfig, source locations…). */
export type NodeMeta = Record<string, unknown>;

/** True for a plain `{...}` object (not an array, node, tensor or class instance). */
export function is_plain_object(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Deepest nesting map_arg follows; lint refuses deeper constants (constants.ts, MAX_CONSTANT_DEPTH). */
const MAX_MAP_DEPTH = 64;

/** Applies `fn` to every Node inside `arg` (nested arrays and objects), rebuilding the structure. */
export function map_arg(arg: Argument, fn: (n: Node) => Argument): Argument {
  return map_at(arg, fn, 0);
}

function map_at(arg: Argument, fn: (n: Node) => Argument, depth: number): Argument {
  if (arg instanceof Node) return fn(arg);
  if (depth > MAX_MAP_DEPTH && (Array.isArray(arg) || is_plain_object(arg)))
    throw new RangeError(`map_arg: constant nested deeper than ${MAX_MAP_DEPTH} levels`);
  if (Array.isArray(arg)) return (arg as readonly Argument[]).map((a) => map_at(a, fn, depth + 1));
  if (is_plain_object(arg)) {
    const out: Record<string, Argument> = {};
    for (const [k, v] of Object.entries(arg)) set_own(out, k, map_at(v as Argument, fn, depth + 1));
    return out;
  }
  return arg;
}

/** `o[k] = v` as an own data property, even for k = '__proto__' (which `=` would turn into a prototype swap). */
export function set_own<T>(o: Record<string, T>, k: string, v: T): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Calls `fn` on every Node inside `arg`, in order (iterative: any depth is safe). */
export function for_each_node(arg: Argument, fn: (n: Node) => void): void {
  const stack: unknown[] = [arg];
  while (stack.length) {
    const a = stack.pop();
    if (a instanceof Node) fn(a);
    else if (Array.isArray(a)) for (let i = a.length - 1; i >= 0; i--) stack.push(a[i]);
    else if (is_plain_object(a)) {
      const vs = Object.values(a);
      for (let i = vs.length - 1; i >= 0; i--) stack.push(vs[i]);
    }
  }
}

/** One operation of a Graph. Create nodes through Graph methods, not this constructor. */
export class Node {
  readonly graph: Graph;
  /** Unique within the graph; also the variable name in generated code. */
  name: string;
  private _op: Opcode;
  private _target: string;
  /** Nodes that use this node's value, in the order they started using it. */
  readonly users = new Set<Node>();
  meta: NodeMeta = {};
  /** @internal linked-list pointers; the graph's sentinel closes the ring. */
  _prev: Node;
  /** @internal */
  _next: Node;
  /** @internal set once erased, so stale references fail loudly. */
  _erased = false;
  private _args: readonly Argument[] = [];
  private _kwargs: Record<string, Argument> = {};
  private readonly _inputs = new Set<Node>();

  constructor(
    graph: Graph,
    name: string,
    op: Opcode,
    target: string,
    args: readonly Argument[],
    kwargs: Record<string, Argument>,
  ) {
    this.graph = graph;
    this.name = name;
    this._op = op;
    this._target = target;
    this._prev = this;
    this._next = this;
    this._update(args, kwargs);
  }

  get op(): Opcode {
    return this._op;
  }
  /** Changing the op (or target) counts as a graph edit (Graph._version), so caches see it. */
  set op(op: Opcode) {
    this._op = op;
    this.graph._version++;
  }
  /** Qualified module/attribute path, registered function name, method name or placeholder name. */
  get target(): string {
    return this._target;
  }
  set target(target: string) {
    this._target = target;
    this.graph._version++;
  }

  get args(): readonly Argument[] {
    return this._args;
  }
  /** Re-links users: nodes no longer referenced stop listing this node as a user. */
  set args(args: readonly Argument[]) {
    this._update(args, this._kwargs);
  }
  get kwargs(): Record<string, Argument> {
    return this._kwargs;
  }
  set kwargs(kwargs: Record<string, Argument>) {
    this._update(this._args, kwargs);
  }

  /** The distinct nodes this node reads, in first-use order. */
  get all_input_nodes(): Node[] {
    return [...this._inputs];
  }
  get prev(): Node {
    return this._prev;
  }
  get next(): Node {
    return this._next;
  }

  private _update(args: readonly Argument[], kwargs: Record<string, Argument>): void {
    this.graph._version++;
    for (const n of this._inputs) n.users.delete(this);
    this._inputs.clear();
    this._args = args;
    this._kwargs = kwargs;
    const link = (n: Node): void => {
      if (n.graph !== this.graph) {
        throw new Error(`node '${this.name}': argument '${n.name}' belongs to another graph`);
      }
      this._inputs.add(n);
      n.users.add(this);
    };
    for (const a of args) for_each_node(a, link);
    for (const a of Object.values(kwargs)) for_each_node(a, link);
  }

  /** Sets one positional argument, re-linking users. */
  update_arg(index: number, arg: Argument): void {
    const args = [...this._args];
    args[index] = arg;
    this.args = args;
  }

  /** Replaces every use of `old` among this node's inputs by `replacement`. */
  replace_input_with(old: Node, replacement: Node): void {
    const swap = (n: Node): Argument => (n === old ? replacement : n);
    this._update(
      this._args.map((a) => map_arg(a, swap)),
      map_arg(this._kwargs, swap) as Record<string, Argument>,
    );
  }

  /**
   * Makes every user of this node use `replacement` instead; returns the users changed.
   * `delete_user_cb` can keep some users (return false) — e.g. the node that wraps this one.
   */
  replace_all_uses_with(replacement: Node, delete_user_cb: (user: Node) => boolean = () => true): Node[] {
    const changed: Node[] = [];
    for (const user of [...this.users]) {
      if (user === replacement || !delete_user_cb(user)) continue;
      user.replace_input_with(this, replacement);
      changed.push(user);
    }
    return changed;
  }

  /** Moves `node` to sit right before this one. */
  prepend(node: Node): void {
    this.graph._move_before(node, this);
  }
  /** Moves `node` to sit right after this one. */
  append(node: Node): void {
    this.graph._move_before(node, this._next);
  }

  /** Drops all input links (used by erase). @internal */
  _unlink_inputs(): void {
    this._update([], {});
  }

  /** One line, as torch.fx's format_node: `%relu : call_function[target=F.relu](args = (%conv1,))`. */
  format_node(): string {
    const fmt = (a: Argument): string => format_arg(a);
    const kw = Object.keys(this._kwargs).length
      ? `, kwargs = {${Object.entries(this._kwargs)
          .map(([k, v]) => `${k}: ${fmt(v)}`)
          .join(', ')}}`
      : '';
    if (this.op === 'placeholder')
      return `%${this.name} : [num_users=${this.users.size}] = placeholder[target=${this.target}]`;
    if (this.op === 'output') return `return ${fmt(this._args[0])}`;
    return `%${this.name} : [num_users=${this.users.size}] = ${this.op}[target=${this.target}](args = (${this._args.map(fmt).join(', ')})${kw})`;
  }

  toString(): string {
    return this.name;
  }
}

/** Formats an argument for printing: nodes as %name, constants as literals. */
export function format_arg(a: Argument): string {
  if (a instanceof Node) return `%${a.name}`;
  if (a === undefined) return 'undefined';
  if (Array.isArray(a)) return `[${(a as readonly Argument[]).map(format_arg).join(', ')}]`;
  if (is_plain_object(a))
    return `{${Object.entries(a)
      .map(([k, v]) => `${k}: ${format_arg(v as Argument)}`)
      .join(', ')}}`;
  if (typeof a === 'string') return JSON.stringify(a);
  return String(a);
}
