/**
 * Graph ⇄ JSON. Loading treats the JSON as untrusted: graph_schema.ts checks every field first
 * (targets, keys, constants, bounds), references must point to earlier nodes, and the rebuilt
 * graph is linted against the root module (value kinds, arities, resolution) before a GraphModule
 * generates any code from it.
 */
import type { Module } from '../../runtime/nn/module.js';
import { Graph } from './graph.js';
import { GraphJsonError, META_KEYS, validate_graph_json } from './graph_schema.js';
import { GraphLintError, lint } from './lint.js';
import { type Argument, is_plain_object, Node, type Opcode, set_own } from './node.js';

export { GraphJsonError, MAX_GRAPH_NODES, validate_graph_json } from './graph_schema.js';

/** JSON value (what JSON.parse yields). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The serialized form of a graph. */
export interface GraphJson {
  format: 'fxq.graph';
  version: 1;
  class_name: string;
  nodes: NodeJson[];
}
/** One serialized node. Node references are `{"$node": name}`. */
export interface NodeJson {
  name: string;
  op: Opcode;
  target: string;
  args: Json[];
  kwargs: { [key: string]: Json };
  meta?: { [key: string]: Json };
}

/** Options of graph_from_json / GraphModule.from_json. */
export interface FromJsonOptions {
  /** Where the JSON came from (a file path): every error message starts with it. */
  source?: string;
}

// constants are at most MAX_CONSTANT_DEPTH deep (lint and the schema refuse deeper), so recursion is bounded
function encode(a: Argument): Json {
  if (a instanceof Node) return { $node: a.name };
  if (a === undefined) return { $undefined: true };
  if (typeof a === 'number' && (!Number.isFinite(a) || Object.is(a, -0)))
    return { $number: Object.is(a, -0) ? '-0' : String(a) };
  if (a === null || typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean') return a;
  if (Array.isArray(a)) return (a as readonly Argument[]).map(encode);
  return { $object: encode_object(a as Record<string, Argument>) };
}

function encode_object(o: Record<string, Argument>): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(o)) set_own(out, k, encode(v));
  return out;
}

/** Serializes a graph (shape/dtype meta included when present). Lint it first to refuse unsafe constants. */
export function graph_to_json(graph: Graph, class_name = 'GraphModule'): GraphJson {
  lint(graph);
  return {
    format: 'fxq.graph',
    version: 1,
    class_name,
    nodes: graph.nodes.map((n) => {
      const j: NodeJson = {
        name: n.name,
        op: n.op,
        target: n.target,
        args: n.args.map(encode),
        kwargs: encode_object(n.kwargs),
      };
      const meta: { [k: string]: Json } = {};
      for (const k of META_KEYS) if (n.meta[k] !== undefined) meta[k] = JSON.parse(JSON.stringify(n.meta[k])) as Json;
      if (Object.keys(meta).length) j.meta = meta;
      return j;
    }),
  };
}

/** Decodes a value the schema accepted (tags are well-formed, depth bounded). */
function decode(j: unknown, env: Map<string, Node>, where: string): Argument {
  if (j === null || typeof j === 'number' || typeof j === 'string' || typeof j === 'boolean') return j;
  if (Array.isArray(j)) return j.map((x, i) => decode(x, env, `${where}[${i}]`));
  const o = j as Record<string, unknown>;
  if ('$node' in o) {
    const n = env.get(o.$node as string);
    if (!n) throw new GraphJsonError(`${where}: refers to ${JSON.stringify(o.$node)}, which is not an earlier node`);
    return n;
  }
  if ('$undefined' in o) return undefined;
  if ('$number' in o) return Number(o.$number);
  const out: Record<string, Argument> = {};
  for (const [k, x] of Object.entries(o.$object as object)) set_own(out, k, decode(x, env, `${where}.${k}`));
  return out;
}

/**
 * Rebuilds a graph from JSON after checking it against the schema (graph_schema.ts); with `root`,
 * also lints targets, arities and value kinds against it. Throws GraphJsonError / GraphLintError
 * naming `options.source`, the node and the field.
 */
export function graph_from_json(json: unknown, root?: Module, options: FromJsonOptions = {}): Graph {
  const prefix = options.source ? `${options.source}: ` : '';
  validate_graph_json(json, options.source);
  const graph = new Graph();
  const env = new Map<string, Node>();
  try {
    for (const [i, raw] of (json as GraphJson).nodes.entries()) {
      const { name, op, target, args, kwargs } = raw;
      const where = `nodes[${i}] ('${name}')`;
      if (env.has(name) || !graph._claim_name(name))
        throw new GraphJsonError(`${where}: duplicate node name '${name}'`);
      const a = args.map((x, k) => decode(x, env, `${where}.args[${k}]`));
      const kw: Record<string, Argument> = {};
      for (const [k, x] of Object.entries(kwargs ?? {})) set_own(kw, k, decode(x, env, `${where}.kwargs.${k}`));
      const node = graph._append_named(op, target, a, kw, name);
      if (is_plain_object(raw.meta))
        for (const k of META_KEYS) if (raw.meta[k] !== undefined) node.meta[k] = raw.meta[k];
      env.set(name, node);
    }
    lint(graph, root);
  } catch (e) {
    if ((e instanceof GraphJsonError || e instanceof GraphLintError) && prefix) e.message = `${prefix}${e.message}`;
    throw e;
  }
  return graph;
}
