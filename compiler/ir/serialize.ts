/**
 * Graph ⇄ JSON. Loading treats the JSON as untrusted: every field is type-checked, references
 * must point to earlier nodes, and the rebuilt graph is linted against the root module (names are
 * identifiers, targets resolve, arities fit) before a GraphModule generates any code from it.
 */
import type { Module } from '../../runtime/nn/module.js';
import { Graph } from './graph.js';
import { lint } from './lint.js';
import { is_valid_node_name } from './namespace.js';
import { type Argument, is_plain_object, Node, OPCODES, type Opcode } from './node.js';

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

/** A malformed or unsafe graph file; the message names the node and field. */
export class GraphJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphJsonError';
  }
}

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
  for (const [k, v] of Object.entries(o)) out[k] = encode(v);
  return out;
}

const META_KEYS = ['shape', 'dtype', 'tensor_meta'];

/** Serializes a graph (shape/dtype meta included when present). */
export function graph_to_json(graph: Graph, class_name = 'GraphModule'): GraphJson {
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

function decode(j: unknown, env: Map<string, Node>, where: string): Argument {
  if (j === null || typeof j === 'number' || typeof j === 'string' || typeof j === 'boolean') return j;
  if (Array.isArray(j)) return j.map((x, i) => decode(x, env, `${where}[${i}]`));
  if (!is_plain_object(j)) throw new GraphJsonError(`${where}: unsupported value`);
  const keys = Object.keys(j);
  if (keys.length !== 1)
    throw new GraphJsonError(`${where}: an object must be one of {$node}, {$object}, {$number}, {$undefined}`);
  const v = j[keys[0]];
  switch (keys[0]) {
    case '$node': {
      const n = typeof v === 'string' ? env.get(v) : undefined;
      if (!n) throw new GraphJsonError(`${where}: refers to ${JSON.stringify(v)}, which is not an earlier node`);
      return n;
    }
    case '$undefined':
      return undefined;
    case '$number':
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity' || v === '-0') return Number(v);
      throw new GraphJsonError(`${where}: bad $number ${JSON.stringify(v)}`);
    case '$object': {
      if (!is_plain_object(v)) throw new GraphJsonError(`${where}: $object must hold an object`);
      const out: Record<string, Argument> = {};
      for (const [k, x] of Object.entries(v)) out[k] = decode(x, env, `${where}.${k}`);
      return out;
    }
    default:
      throw new GraphJsonError(`${where}: unknown tag ${JSON.stringify(keys[0])}`);
  }
}

/**
 * Rebuilds a graph from JSON, checking every field; with `root`, also lints targets and arities
 * against it. Throws GraphJsonError / GraphLintError naming the offending node.
 */
export function graph_from_json(json: unknown, root?: Module): Graph {
  if (!is_plain_object(json) || json.format !== 'fxq.graph' || json.version !== 1 || !Array.isArray(json.nodes)) {
    throw new GraphJsonError('not an fxq graph: expected {"format": "fxq.graph", "version": 1, "nodes": [...]}');
  }
  const graph = new Graph();
  const env = new Map<string, Node>();
  json.nodes.forEach((raw: unknown, i: number) => {
    if (!is_plain_object(raw)) throw new GraphJsonError(`nodes[${i}]: not an object`);
    const { name, op, target, args, kwargs } = raw;
    const where = `nodes[${i}]${typeof name === 'string' ? ` ('${name.slice(0, 60)}')` : ''}`;
    if (typeof name !== 'string' || !is_valid_node_name(name)) {
      throw new GraphJsonError(`${where}: name ${JSON.stringify(name)} is not a valid, non-reserved identifier`);
    }
    if (typeof op !== 'string' || !OPCODES.includes(op as Opcode))
      throw new GraphJsonError(`${where}: op ${JSON.stringify(op)} is not one of ${OPCODES.join(', ')}`);
    if (typeof target !== 'string') throw new GraphJsonError(`${where}: target must be a string`);
    if (!Array.isArray(args)) throw new GraphJsonError(`${where}: args must be an array`);
    if (kwargs !== undefined && !is_plain_object(kwargs))
      throw new GraphJsonError(`${where}: kwargs must be an object`);
    if (env.has(name) || !graph._claim_name(name)) throw new GraphJsonError(`${where}: duplicate node name '${name}'`);
    const a = args.map((x, k) => decode(x, env, `${where}.args[${k}]`));
    const kw: Record<string, Argument> = {};
    for (const [k, x] of Object.entries(kwargs ?? {})) kw[k] = decode(x, env, `${where}.kwargs.${k}`);
    const node = graph._append_named(op as Opcode, target, a, kw, name);
    if (is_plain_object(raw.meta)) for (const k of META_KEYS) if (raw.meta[k] !== undefined) node.meta[k] = raw.meta[k];
    env.set(name, node);
  });
  lint(graph, root);
  return graph;
}
