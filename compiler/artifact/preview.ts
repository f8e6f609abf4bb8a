/**
 * A short description of any JSON value for error messages. JSON.stringify would recurse through a
 * 20,000-deep array (a RangeError that names nothing) and print megabytes; this stops at depth 4, five
 * items per level and `max` characters.
 */
export function preview(v: unknown, max = 60): string {
  let out = '';
  const walk = (x: unknown, depth: number): void => {
    if (out.length > max) return;
    if (Array.isArray(x)) {
      if (depth > 3) {
        out += '[…]';
        return;
      }
      out += '[';
      x.slice(0, 5).forEach((c, i) => {
        if (i) out += ', ';
        walk(c, depth + 1);
      });
      out += x.length > 5 ? ', …]' : ']';
    } else if (x !== null && typeof x === 'object') {
      if (depth > 3) {
        out += '{…}';
        return;
      }
      out += '{';
      Object.keys(x)
        .slice(0, 5)
        .forEach((k, i) => {
          out += `${i ? ', ' : ''}${JSON.stringify(k.slice(0, 20))}: `;
          walk((x as Record<string, unknown>)[k], depth + 1);
        });
      out += '}';
    } else out += typeof x === 'string' ? JSON.stringify(x.slice(0, max)) : String(x);
  };
  walk(v, 0);
  return out.length > max ? `${out.slice(0, max)}…` : out;
}
