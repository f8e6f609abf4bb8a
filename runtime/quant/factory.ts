/**
 * `with_args`: PyTorch's `_with_args` / `_PartialWrapper` spelled for TypeScript. A factory is a
 * plain callable that builds a fresh instance with the bound options each time (as QConfig's
 * `activation()` / `weight()` are called once per observed value), and can bind more options.
 */

/** A callable that returns a new instance per call; `with_args` binds more (later options win). */
export interface Factory<T, O extends object = object> {
  (overrides?: Partial<O>): T;
  /** Binds more keyword options, returning a new factory (the original is unchanged). */
  with_args(options: Partial<O>): Factory<T, O>;
  /** The class the factory builds. */
  readonly target: abstract new (
    ...args: never[]
  ) => T;
  /** The bound keyword options. */
  readonly kwargs: Readonly<Partial<O>>;
}

/** Builds a factory for `ctor` with `kwargs` bound. */
export function make_factory<T, O extends object>(ctor: new (options?: O) => T, kwargs: Partial<O>): Factory<T, O> {
  const bound = { ...kwargs };
  const fn = ((overrides?: Partial<O>) => new ctor({ ...bound, ...(overrides ?? {}) } as O)) as Factory<T, O>;
  Object.defineProperty(fn, 'name', { value: `${ctor.name}.with_args` });
  Object.defineProperty(fn, 'target', { value: ctor, enumerable: true });
  Object.defineProperty(fn, 'kwargs', { value: Object.freeze(bound), enumerable: true });
  fn.with_args = (more: Partial<O>) => make_factory(ctor, { ...bound, ...more });
  fn.toString = () => `functools.partial(<class '${ctor.name}'>, ${format_kwargs(bound)})`;
  return fn;
}

function format_kwargs(kwargs: object): string {
  return Object.entries(kwargs)
    .map(([k, v]) => `${k}=${typeof v === 'function' ? v.name || 'fn' : String(v)}`)
    .join(', ');
}

/** True for a value made by `make_factory`. */
export function is_factory(v: unknown): v is Factory<unknown> {
  return typeof v === 'function' && 'target' in v && 'kwargs' in v && 'with_args' in v;
}

/**
 * Accepts a class (built with `new` and no options), a factory, or a plain `() => instance` function,
 * and returns a zero-argument builder. `base` (e.g. Module) tells a class from a plain function.
 */
export function as_builder<T>(
  v: unknown,
  base: abstract new (...args: never[]) => unknown,
  where: string,
): (overrides?: object) => T {
  if (typeof v !== 'function')
    throw new Error(`${where}: expected a class, a with_args factory or a function, got ${String(v)}`);
  const proto = (v as { prototype?: unknown }).prototype;
  if (proto !== undefined && (proto === base.prototype || proto instanceof base)) {
    const ctor = v as new (o?: object) => T;
    return (overrides?: object) => new ctor(overrides ?? {});
  }
  return v as (overrides?: object) => T;
}
