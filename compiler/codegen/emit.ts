/**
 * Emits one statement per node from a table of emitters. Statements are plain expressions over
 * node names, so the same text is valid TypeScript (gm.code) and JavaScript (the compiled forward).
 * Every name, path and key is checked before it is written; every string constant is JSON-quoted.
 */

import { MAX_CONSTANT_DEPTH } from '../ir/constants.js';
import { IDENTIFIER_RE, is_valid_node_name } from '../ir/namespace.js';
import { type Argument, is_plain_object, Node, type Opcode } from '../ir/node.js';
import {
  BUILTIN_FUNCTIONS,
  FORBIDDEN_KEYS,
  is_known_function,
  is_tensor_method,
  is_valid_path,
  TRACEABLE_ATTRIBUTES,
} from '../ir/targets.js';

/** Raised when a graph cannot be turned into code; names the node. */
export class CodegenError extends Error {
  constructor(node: Node | null, message: string) {
    super(node ? `codegen: node '${node.name}' (${node.op} ${node.target}): ${message}` : `codegen: ${message}`);
    this.name = 'CodegenError';
  }
}

/** One forward parameter: a placeholder name and its optional default expression. */
export interface EmittedParam {
  name: string;
  default_expr?: string;
}

/** The pieces code generation produces from a graph. */
export interface EmittedForward {
  params: EmittedParam[];
  /** One entry per emitted statement, in order. */
  statements: string[];
  /** statements[i] was emitted for nodes[i] (the line → node map for error messages). */
  nodes: Node[];
  /** Registered function names the code calls, to bind at compile time. */
  functions: Set<string>;
  /** Submodule paths called, with the node's target (for the typed header). */
  modules: Set<string>;
}

/** How a function target is spelled in code: 'F.relu' stays, a bare 'add' becomes 'fxq.add'. */
export function function_ref(target: string): string {
  return target.includes('.') ? target : `fxq.${target}`;
}

function key_text(k: string): string {
  return IDENTIFIER_RE.test(k) ? k : JSON.stringify(k);
}

/** A constant or node reference as an expression. */
export function expr(a: Argument, owner: Node | null): string {
  return expr_at(a, owner, 0);
}

function expr_at(a: Argument, owner: Node | null, depth: number): string {
  if (a instanceof Node) {
    if (!is_valid_node_name(a.name))
      throw new CodegenError(owner, `input name ${JSON.stringify(a.name)} is not a valid identifier`);
    return a.name;
  }
  if (a === undefined) return 'undefined';
  if (a === null) return 'null';
  if (typeof a === 'number') return Object.is(a, -0) ? '-0' : String(a);
  if (typeof a === 'boolean') return String(a);
  if (typeof a === 'string') return JSON.stringify(a);
  // GraphModule compiles graphs lint never saw: bound the recursion here too
  if (depth >= MAX_CONSTANT_DEPTH)
    throw new CodegenError(owner, `constant nested deeper than ${MAX_CONSTANT_DEPTH} levels`);
  if (Array.isArray(a)) return `[${(a as readonly Argument[]).map((x) => expr_at(x, owner, depth + 1)).join(', ')}]`;
  if (is_plain_object(a)) {
    const parts = Object.entries(a).map(([k, v]) => {
      // `{ __proto__: v }` in a literal would set the prototype, not a key
      if (FORBIDDEN_KEYS.has(k)) throw new CodegenError(owner, `object key ${JSON.stringify(k)} is not allowed`);
      return `${key_text(k)}: ${expr_at(v as Argument, owner, depth + 1)}`;
    });
    return parts.length ? `{ ${parts.join(', ')} }` : '{}';
  }
  throw new CodegenError(owner, `cannot emit an argument of type ${typeof a}`);
}

/** `this.layer2.downsample[0]` for the path 'layer2.downsample.0'. */
export function path_expr(target: string, node: Node): string {
  if (!is_valid_path(target))
    throw new CodegenError(node, `target ${JSON.stringify(target)} is not a dotted path of identifiers`);
  return `this${target
    .split('.')
    .map((p) => (/^[0-9]+$/.test(p) ? `[${p}]` : /^[0-9]/.test(p) ? `[${JSON.stringify(p)}]` : `.${p}`))
    .join('')}`;
}

function call_args(node: Node, args: readonly Argument[]): string {
  const parts = args.map((a) => expr(a, node));
  if (Object.keys(node.kwargs).length) parts.push(expr(node.kwargs, node));
  return parts.join(', ');
}

type Emitter = (node: Node, out: EmittedForward) => string | null;

const EMITTERS: Record<Opcode, Emitter> = {
  placeholder: (node, out) => {
    const d = node.args.length ? expr(node.args[0], node) : undefined;
    out.params.push(d === undefined ? { name: node.name } : { name: node.name, default_expr: d });
    return null;
  },
  get_attr: (node) => `const ${node.name} = ${path_expr(node.target, node)};`,
  call_module: (node, out) => {
    out.modules.add(node.target);
    return `const ${node.name} = ${path_expr(node.target, node)}.forward(${call_args(node, node.args)});`;
  },
  call_function: (node, out) => {
    if (!is_known_function(node.target)) throw new CodegenError(node, 'target is not a registered function');
    if (BUILTIN_FUNCTIONS.has(node.target)) return `const ${node.name} = ${builtin_expr(node)};`;
    out.functions.add(node.target);
    return `const ${node.name} = ${function_ref(node.target)}(${call_args(node, node.args)});`;
  },
  call_method: (node) => {
    if (!is_tensor_method(node.target)) throw new CodegenError(node, 'target is not a Tensor method');
    if (node.args.length < 1) throw new CodegenError(node, 'a call_method needs the tensor as its first argument');
    const [self, ...rest] = node.args;
    if (!(self instanceof Node))
      throw new CodegenError(node, 'a method is called only on a graph value, not a constant');
    return `const ${node.name} = ${expr(self, node)}.${node.target}(${call_args(node, rest)});`;
  },
  output: (node) => `return ${expr(node.args[0], node)};`,
};

function builtin_expr(node: Node): string {
  if (node.args.length !== 2) throw new CodegenError(node, `${node.target} takes 2 arguments, got ${node.args.length}`);
  const [obj, key] = node.args;
  const o = expr(obj, node);
  if (node.target === 'getattr') {
    if (typeof key !== 'string' || !TRACEABLE_ATTRIBUTES.has(key)) {
      throw new CodegenError(
        node,
        `getattr of ${JSON.stringify(key)} is not allowed (one of ${[...TRACEABLE_ATTRIBUTES].join(', ')})`,
      );
    }
    return `${o}.${key}`;
  }
  if (!(obj instanceof Node)) throw new CodegenError(node, 'getitem reads only from a graph value, not a constant');
  if (typeof key === 'number' && Number.isInteger(key)) return key >= 0 ? `${o}[${key}]` : `${o}.at(${key})`;
  const got = key instanceof Node ? `node '${key.name}'` : (JSON.stringify(key) ?? typeof key).slice(0, 60);
  throw new CodegenError(node, `getitem index must be an integer constant, got ${got}`);
}

/** Emits the forward's parameters and statements for a graph's nodes. */
export function emit_forward(nodes: readonly Node[]): EmittedForward {
  const out: EmittedForward = { params: [], statements: [], nodes: [], functions: new Set(), modules: new Set() };
  for (const node of nodes) {
    if (!is_valid_node_name(node.name)) {
      throw new CodegenError(node, `name ${JSON.stringify(node.name)} is not a valid, non-reserved identifier`);
    }
    const emitter = EMITTERS[node.op];
    if (!emitter) throw new CodegenError(node, `unknown op ${JSON.stringify(node.op)}`);
    const stmt = emitter(node, out);
    if (stmt !== null) {
      out.statements.push(stmt);
      out.nodes.push(node);
    }
  }
  const last = nodes[nodes.length - 1];
  if (last?.op !== 'output') throw new CodegenError(last ?? null, 'the graph must end with an output node');
  return out;
}
