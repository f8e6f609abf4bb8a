/**
 * The one chokepoint every public op goes through. Eagerly it runs the op's implementation;
 * while a tracer is installed and an argument is a traced value, the tracer records a node instead.
 * The registries let generated code and the interpreter find an op by its stable name.
 */

/** What the compiler's tracer implements; the runtime knows nothing else about tracing. */
export interface TraceHook {
  /** Returns true when any (nested) argument is a traced value. */
  contains_proxy(values: readonly unknown[]): boolean;
  record_function(name: string, args: unknown[]): unknown;
  record_method(name: string, self: unknown, args: unknown[]): unknown;
}

let active_hook: TraceHook | null = null;

/** Installs (or removes, with null) the tracer hook; returns the previous one so tracing can nest. */
export function set_trace_hook(hook: TraceHook | null): TraceHook | null {
  const prev = active_hook;
  active_hook = hook;
  return prev;
}

export function is_tracing(): boolean {
  return active_hook !== null;
}

// biome-ignore lint/suspicious/noExplicitAny: registries hold functions of every signature
type AnyFn = (...args: any[]) => any;

const function_registry = new Map<string, AnyFn>();
const method_registry = new Map<string, AnyFn>();

/** `null`, `number`, `list`, `Tensor`, … for each argument: what an op got, for its errors. */
function kinds(args: readonly unknown[]): string {
  return args
    .map((a) =>
      a === null
        ? 'null'
        : Array.isArray(a)
          ? 'list'
          : typeof a === 'object'
            ? (a.constructor?.name ?? 'object')
            : typeof a,
    )
    .join(', ');
}

/**
 * Runs an op. A TypeError out of an op is an argument of the wrong kind reaching code that assumed a
 * tensor (a loaded graph can pass null, a string or a list anywhere): it becomes an Error naming the op
 * and what it got, the original kept as `cause`. RangeErrors (sizes, allocations) pass through unchanged.
 */
function run_op<R>(name: string, args: readonly unknown[], f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof TypeError)
      throw new Error(`${name}: invalid arguments (${kinds(args)}): ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Defines a public function op under a stable name (e.g. 'add', 'F.relu', 'quantized.linear').
 * The returned function records a call_function node when called on traced values.
 */
export function define_function<F extends AnyFn>(name: string, impl: F): F {
  if (function_registry.has(name)) throw new Error(`function op '${name}' is defined twice`);
  const wrapped = ((...args: unknown[]) => {
    if (active_hook?.contains_proxy(args)) return active_hook.record_function(name, args);
    return run_op(name, args, () => impl(...args));
  }) as F;
  Object.defineProperty(wrapped, 'name', { value: name });
  function_registry.set(name, wrapped);
  return wrapped;
}

/**
 * Registers the eager implementation of a Tensor method; the first argument is the tensor itself.
 * Tensor's methods call `call_method`, so methods are traced as call_method nodes.
 */
export function define_method(name: string, impl: AnyFn): void {
  if (method_registry.has(name)) throw new Error(`tensor method '${name}' is defined twice`);
  method_registry.set(name, impl);
}

export function call_method<R>(name: string, self: unknown, args: unknown[]): R {
  if (active_hook?.contains_proxy([self, ...args])) return active_hook.record_method(name, self, args) as R;
  const impl = method_registry.get(name);
  if (!impl) throw new Error(`tensor method '${name}' has no implementation registered (is runtime/tensor imported?)`);
  return run_op(`Tensor.${name}`, [self, ...args], () => impl(self, ...args) as R);
}

export function lookup_function(name: string): AnyFn | undefined {
  return function_registry.get(name);
}

export function has_method(name: string): boolean {
  return method_registry.has(name);
}

export function registered_function_names(): string[] {
  return [...function_registry.keys()];
}

export function registered_method_names(): string[] {
  return [...method_registry.keys()];
}
