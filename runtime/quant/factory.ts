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
  // torch's _PartialWrapper repr: functools.partial(<class '…'>, k=v){} (the {} is its callable_args)
  fn.toString = () =>
    `functools.partial(${[class_repr(ctor), ...Object.entries(bound).map(([k, v]) => `${k}=${py_repr(v)}`)].join(', ')}){}`;
  Object.defineProperty(fn, Symbol.for('nodejs.util.inspect.custom'), { value: () => fn.toString() });
  return fn;
}

const TORCH_NAMES = new Set([
  'quint8',
  'qint8',
  'qint32',
  'quint4x2',
  'float16',
  'float32',
  'float64',
  'int8',
  'uint8',
  'int32',
  'int64',
  'per_tensor_affine',
  'per_tensor_symmetric',
  'per_channel_affine',
  'per_channel_symmetric',
  'per_channel_affine_float_qparams',
]);

/** Python's `<class 'module.Name'>` (classes that say where torch defines them carry a static __module__). */
export function class_repr(ctor: abstract new (...args: never[]) => unknown): string {
  const mod = (ctor as unknown as { __module__?: string }).__module__;
  return `<class '${mod ? `${mod}.` : ''}${ctor.name}'>`;
}

/** Python's repr of a with_args value: torch.qint8, True, 0.01, a nested partial or class, 'text', None. */
export function py_repr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    if (a < 1e-4 || a >= 1e16) {
      const [m, e] = v.toExponential().split('e');
      return `${m}e${e[0]}${e.slice(1).padStart(2, '0')}`;
    }
    return String(v);
  }
  if (typeof v === 'string') return TORCH_NAMES.has(v) ? `torch.${v}` : `'${v}'`;
  if (typeof v === 'function') {
    if (is_factory(v)) return v.toString();
    if ((v as { prototype?: unknown }).prototype) return class_repr(v as new () => unknown);
    return `<function ${v.name || '<lambda>'}>`;
  }
  return String(v);
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
