/**
 * Reads a forward's parameter names from its source text (TypeScript keeps them after
 * transpiling), so placeholders are named like the parameters and concrete_args can name them.
 */

/** One declared parameter of forward. */
export interface ForwardParam {
  name: string;
  rest: boolean;
  has_default: boolean;
}

/** Splits `text` at top-level commas (outside brackets, braces, parentheses and strings). */
function split_top_level(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The parameter list of `fn` (a method, function or arrow function). */
export function forward_params(fn: unknown, owner: string): ForwardParam[] {
  if (typeof fn !== 'function') throw new Error(`${owner} has no forward method`);
  const src = Function.prototype.toString.call(fn);
  const open = src.indexOf('(');
  if (open < 0) throw new Error(`${owner}.forward: cannot read its parameter list`);
  let depth = 0;
  let close = -1;
  for (let i = open; i < src.length; i++) {
    if (src[i] === '(') depth++;
    else if (src[i] === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) throw new Error(`${owner}.forward: cannot read its parameter list`);
  const inner = src
    .slice(open + 1, close)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '');
  return split_top_level(inner).map((p, i) => {
    const rest = p.startsWith('...');
    const body = rest ? p.slice(3).trim() : p;
    const m = /^([A-Za-z_$][A-Za-z0-9_$]*)/.exec(body);
    const has_default = /^[^=]*=/.test(body) && !/^[^=]*=>/.test(body);
    return { name: m ? m[1] : `arg${i}`, rest, has_default };
  });
}
