/** A short, shallow rendering of an untrusted JSON value for error messages (never recursive: a value
 * nested 100,000 deep must not overflow the stack while being reported). */
export function show(v: unknown): string {
  const one = (x: unknown): string => {
    if (Array.isArray(x)) return x.length ? '[…]' : '[]';
    if (typeof x === 'object' && x !== null) return '{…}';
    if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
    return String(x);
  };
  if (Array.isArray(v)) return `[${v.slice(0, 4).map(one).join(', ')}${v.length > 4 ? ', …' : ''}]`;
  return one(v);
}
