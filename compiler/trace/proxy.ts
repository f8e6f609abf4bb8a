/**
 * The traced value. A Proxy is a Tensor (empty storage) so it flows through typed model code;
 * every op on it goes through dispatch.ts, where the tracer records a node instead of running it.
 * Reads that need a concrete value (data, item(), comparisons, template strings, iteration of an
 * unknown length) throw a TraceError naming the module being traced.
 */
import { Tensor } from '../../runtime/tensor/tensor.js';
import type { Node } from '../ir/node.js';

/** What a Proxy needs from its tracer: recording and error context. */
export interface ProxyOwner {
  /** Records `op` of `target` on these values and returns the new node's proxy. */
  record(op: 'call_function' | 'call_method', target: string, args: unknown[]): Tensor;
  /** A TraceError naming the current module path, what was attempted and how to fix it. */
  trace_error(what: string): Error;
}

/** How many elements destructuring may pull from a traced value of unknown length. */
export const MAX_UNPACK = 32;

const EMPTY = new Float32Array(0);
/** ES Proxy wrapper → its graph node; how `contains_proxy` and `create_arg` recognise traced values. */
const node_of_proxy = new WeakMap<object, Node>();

/** The node behind a traced value, or undefined for anything else. */
export function proxy_node(v: unknown): Node | undefined {
  return v !== null && typeof v === 'object' ? node_of_proxy.get(v) : undefined;
}

const INDEX_RE = /^(?:0|[1-9][0-9]*)$/;

/** A traced value standing for `node`'s result (torch.fx.Proxy). Create through the tracer. */
// biome-ignore lint/suspicious/noShadowRestrictedNames: torch.fx's public name; the JS Proxy is reached as globalThis.Proxy
export class Proxy extends Tensor {
  readonly node: Node;
  readonly owner: ProxyOwner;

  constructor(node: Node, owner: ProxyOwner) {
    super(EMPTY, [0], 'float32');
    this.node = node;
    this.owner = owner;
    // a JS Proxy around the instance catches what a class cannot: `value[0]`, `.length`, `.dtype`
    const wrapped = new globalThis.Proxy(this, {
      get(target, key, receiver) {
        if (typeof key === 'string') {
          if (INDEX_RE.test(key)) return owner.record('call_function', 'getitem', [receiver, Number(key)]);
          if (key === 'length')
            throw owner.trace_error(
              `reading .length of traced value '${node.name}' (its length is unknown while tracing)`,
            );
          if (key === 'dtype') return owner.record('call_function', 'getattr', [receiver, 'dtype']);
        }
        return Reflect.get(target, key, receiver);
      },
      set(target, key, value, receiver) {
        if (key === 'requires_grad' || key === 'grad' || key === 'grad_fn' || key === 'quantizer') {
          return Reflect.set(target, key, value, receiver);
        }
        throw owner.trace_error(`assigning .${String(key)} on traced value '${node.name}'`);
      },
    });
    node_of_proxy.set(wrapped, node);
    // biome-ignore lint/correctness/noConstructorReturn: the wrapper must be what `new` yields
    return wrapped;
  }

  get data(): never {
    throw this.owner.trace_error(
      `reading .data of traced value '${this.node.name}' (its elements are unknown while tracing)`,
    );
  }
  /** A traced sequence: `x.shape[0]` records a getitem node. */
  get shape(): number[] {
    return this.owner.record('call_function', 'getattr', [this, 'shape']) as unknown as number[];
  }
  get ndim(): number {
    return this.owner.record('call_function', 'getattr', [this, 'ndim']) as unknown as number;
  }
  numel(): number {
    return this.owner.record('call_method', 'numel', [this]) as unknown as number;
  }
  dim(): number {
    return this.owner.record('call_method', 'dim', [this]) as unknown as number;
  }
  size(): number[];
  size(d: number): number;
  size(d?: number): number[] | number {
    return this.owner.record('call_method', 'size', d === undefined ? [this] : [this, d]) as unknown as number;
  }
  item(): number {
    throw this.owner.trace_error(`calling .item() on traced value '${this.node.name}' (a concrete number is needed)`);
  }
  tolist(): unknown {
    throw this.owner.trace_error(`calling .tolist() on traced value '${this.node.name}' (concrete values are needed)`);
  }
  toString(): string {
    throw this.owner.trace_error(
      `converting traced value '${this.node.name}' to a string (template string or String())`,
    );
  }
  toJSON(): never {
    throw this.owner.trace_error(`serializing traced value '${this.node.name}' to JSON`);
  }
  valueOf(): never {
    throw this.owner.trace_error(
      `using traced value '${this.node.name}' as a number (comparison, arithmetic or Number())`,
    );
  }
  [Symbol.toPrimitive](hint: string): never {
    const how =
      hint === 'string'
        ? 'as a string (template string or String())'
        : 'as a primitive in control flow (comparison, arithmetic, Number() or an if on a computed value)';
    throw this.owner.trace_error(`using traced value '${this.node.name}' ${how}`);
  }
  /** Destructuring `const [out, state] = lstm(x)` records getitem 0, 1; an unbounded loop is an error. */
  *[Symbol.iterator](): Generator<Tensor> {
    for (let i = 0; i < MAX_UNPACK; i++) yield this.owner.record('call_function', 'getitem', [this, i]);
    throw this.owner.trace_error(
      `iterating over traced value '${this.node.name}' of unknown length (more than ${MAX_UNPACK} elements pulled)`,
    );
  }
}

/** Registers the wrapper returned from `new Proxy(...)` (done by the constructor) — exported for tests. */
export function is_proxy(v: unknown): v is Proxy {
  return proxy_node(v) !== undefined;
}
