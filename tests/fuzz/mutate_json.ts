/**
 * Structure-aware mutations of a JSON document (a manifest, a safetensors header, a graph): pick a random
 * place in the tree and change a number, a string, a key, an array, the nesting or the type there.
 * Each mutation returns the new JSON text and a short description (`number at modules[3].args[0]: 16 → -1`).
 */
import type { Rng } from './random_model.js';

type J = null | boolean | number | string | J[] | { [k: string]: J };

/** One place in the tree: the container, the key or index in it, and a readable path. */
interface Place {
  parent: J[] | { [k: string]: J };
  key: string | number;
  path: string;
}

function places(doc: J): Place[] {
  const out: Place[] = [];
  const walk = (v: J, path: string) => {
    if (Array.isArray(v))
      v.forEach((c, i) => {
        out.push({ parent: v, key: i, path: `${path}[${i}]` });
        walk(c, `${path}[${i}]`);
      });
    else if (v !== null && typeof v === 'object')
      for (const k of Object.keys(v)) {
        out.push({ parent: v, key: k, path: path ? `${path}.${k}` : k });
        walk(v[k], path ? `${path}.${k}` : k);
      }
  };
  walk(doc, '');
  return out;
}

const get = (p: Place): J => (p.parent as Record<string | number, J>)[p.key];
const set = (p: Place, v: J): void => {
  (p.parent as Record<string | number, J>)[p.key] = v;
};

export const EVIL_STRINGS = ['', '__proto__', 'constructor', 'prototype', 'toString', 'x'.repeat(70000), 'a.b', '0'];
const EVIL_NUMBERS = [0, -1, 1, 2, 3.5, -0.5, 255, 256, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e9, 1e308, -1e308, 5e-324];

/** The kinds json mutations take, for outcome statistics. */
export const JSON_MUTATIONS = ['number', 'string', 'key', 'array', 'nest', 'type', 'delete', 'duplicate_key'] as const;
export type JsonMutation = (typeof JSON_MUTATIONS)[number];

function mutate_number(r: Rng, v: number): number {
  switch (r.int(0, 3)) {
    case 0:
      return r.pick(EVIL_NUMBERS);
    case 1:
      return v + r.pick([-1, 1]);
    case 2:
      return v * r.pick([-1, 2, 0.5, 1000]);
    default:
      return Math.fround(v * (1 + (r.g.random() - 0.5) * 1e-3));
  }
}

function other_string(r: Rng, doc: J): string {
  const strings = places(doc)
    .map(get)
    .filter((v): v is string => typeof v === 'string' && v.length < 200);
  return r.chance(0.5) && strings.length ? r.pick(strings) : r.pick(EVIL_STRINGS);
}

function deep(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

/**
 * One random mutation of `text` (a JSON document). `kind` forces a kind; returns null when the document
 * has no place for it (a string mutation in a document of numbers).
 */
export function mutate_json(
  r: Rng,
  text: string,
  kind?: JsonMutation,
): { text: string; what: string; kind: JsonMutation } | null {
  const doc = JSON.parse(text) as J;
  const all = places(doc);
  const k = kind ?? r.pick(JSON_MUTATIONS);
  const of_type = (pred: (v: J) => boolean) => all.filter((p) => pred(get(p)));
  switch (k) {
    case 'number': {
      const ps = of_type((v) => typeof v === 'number');
      if (!ps.length) return null;
      const p = r.pick(ps);
      const before = get(p) as number;
      const after = mutate_number(r, before);
      set(p, after);
      return { text: JSON.stringify(doc), what: `number at ${p.path}: ${before} → ${after}`, kind: k };
    }
    case 'string': {
      const ps = of_type((v) => typeof v === 'string');
      if (!ps.length) return null;
      const p = r.pick(ps);
      const after = other_string(r, doc);
      const before = get(p) as string;
      set(p, after);
      return {
        text: JSON.stringify(doc),
        what: `string at ${p.path}: ${before.slice(0, 40)} → ${after.slice(0, 40)}`,
        kind: k,
      };
    }
    case 'key':
    case 'delete': {
      const ps = all.filter((p) => typeof p.key === 'string');
      if (!ps.length) return null;
      const p = r.pick(ps);
      const obj = p.parent as { [k: string]: J };
      const v = obj[p.key as string];
      delete obj[p.key as string];
      if (k === 'delete') return { text: JSON.stringify(doc), what: `deleted ${p.path}`, kind: k };
      const name = other_string(r, doc);
      // JSON.parse makes "__proto__" an own key; define it the same way so it survives stringify
      Object.defineProperty(obj, name, { value: v, enumerable: true, writable: true, configurable: true });
      return { text: JSON.stringify(doc), what: `key ${p.path} renamed ${name.slice(0, 40)}`, kind: k };
    }
    case 'duplicate_key': {
      // text-level: a second copy of an existing key with another value (JSON.parse keeps the last)
      const ps = all.filter((p) => typeof p.key === 'string');
      if (!ps.length) return null;
      const p = r.pick(ps);
      const key = JSON.stringify(p.key);
      const at = text.indexOf(`${key}:`);
      if (at < 0) return null;
      return {
        text: `${text.slice(0, at)}${key}:${r.pick(['0', 'null', '"x"', '[]', '{}'])},${text.slice(at)}`,
        what: `duplicate key ${p.path}`,
        kind: k,
      };
    }
    case 'array': {
      const ps = of_type(Array.isArray);
      if (!ps.length) return null;
      const p = r.pick(ps);
      const a = get(p) as J[];
      const op = r.pick(['drop', 'dup', 'reverse', 'empty', 'huge'] as const);
      if (op === 'drop' && a.length) a.splice(r.int(0, a.length - 1), 1);
      if (op === 'dup' && a.length) a.splice(r.int(0, a.length - 1), 0, structuredClone(a[r.int(0, a.length - 1)]));
      if (op === 'reverse') a.reverse();
      if (op === 'empty') a.length = 0;
      if (op === 'huge')
        set(
          p,
          Array.from({ length: 100_000 }, () => (a.length ? structuredClone(a[0]) : 0)),
        );
      return { text: JSON.stringify(doc), what: `array ${op} at ${p.path}`, kind: k };
    }
    case 'nest': {
      if (!all.length) return null;
      const p = r.pick(all);
      if (r.chance(0.3)) {
        // deep nesting: a 20,000-deep array where a value was (text-level, JSON.stringify would recurse)
        set(p, '@@DEEP@@');
        return {
          text: JSON.stringify(doc).replace('"@@DEEP@@"', deep(20_000)),
          what: `deep nest at ${p.path}`,
          kind: k,
        };
      }
      set(p, r.chance(0.5) ? [get(p)] : { value: get(p) });
      return { text: JSON.stringify(doc), what: `wrapped ${p.path}`, kind: k };
    }
    case 'type': {
      if (!all.length) return null;
      const p = r.pick(all);
      const after = r.pick([null, true, {}, [], 'str', 0] as J[]);
      set(p, after);
      return { text: JSON.stringify(doc), what: `${p.path} → ${JSON.stringify(after)}`, kind: k };
    }
  }
}
