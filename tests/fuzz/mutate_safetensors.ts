/**
 * Mutations of valid safetensors files for fuzzing the parser (tests/runtime/io/safetensors_fuzz.test.ts
 * runs a bounded set; scripts/fuzz can run many): byte-level (truncation, extension, bit flips and byte
 * sets in the header or the data, the header length field) and header-level (offsets, dtypes, shapes,
 * keys, metadata, re-encodings that keep the file valid). `check_mutated` states what the parser must do
 * with the result and classifies the outcome.
 */
import fc from 'fast-check';
import { parse_safetensors, type SafetensorsContents } from '../../runtime/io/safetensors.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

/** A header value a mutation may write: odd numbers, strings, nulls, arrays and objects included. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** One mutation; positions are fractions in [0, 1) of the region they apply to, so any file fits. */
export type SafetensorsMutation =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; bytes: number[] }
  | { kind: 'flip'; region: 'header' | 'data' | 'length'; at: number; bit: number }
  | { kind: 'set_byte'; region: 'header' | 'data'; at: number; value: number }
  | { kind: 'header_length'; delta: number }
  | { kind: 'header_length_u64'; value: bigint }
  | { kind: 'field'; entry: number; field: 'dtype' | 'shape' | 'data_offsets'; value: JsonValue }
  | { kind: 'dim'; entry: number; dim: number; value: JsonValue }
  | { kind: 'offset'; entry: number; which: 0 | 1; delta: number }
  | { kind: 'rename'; entry: number; key: string }
  | { kind: 'delete'; entry: number }
  | { kind: 'add'; key: string; value: JsonValue }
  | { kind: 'metadata'; value: JsonValue }
  | { kind: 'reorder'; seed: number }
  | { kind: 'whitespace'; spaces: number; pad_to_8: boolean }
  | { kind: 'nest'; entry: number; field: 'dtype' | 'shape' | 'data_offsets' | 'metadata'; depth: number };

/** Mutations that re-encode the header but keep its meaning: the parse must equal the original's. */
export const MEANING_PRESERVING = new Set<SafetensorsMutation['kind']>(['none', 'reorder', 'whitespace']);

const json_value: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constantFrom<JsonValue>(
    null,
    true,
    0,
    -1,
    1.5,
    1e9,
    2 ** 53,
    1e308,
    -0,
    '',
    'F32',
    'F16',
    'I64',
    'I32',
    'I8',
    'U8',
    'BOOL',
    'F64',
    'BF16',
    'toString',
    '__proto__',
    [],
    [0],
    [1, 2],
    [0, 0],
    [-4, 4],
    [2 ** 32, 2 ** 32],
    {},
  ),
  fc.integer({ min: -10, max: 100 }),
  fc.string({ maxLength: 6 }),
  fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 4 }),
);

const key_arb = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '',
    'toString',
    'hasOwnProperty',
    '__metadata__',
    'a',
    'fc.constructor.w',
  ),
  fc.string({ maxLength: 8 }),
);

/** Any mutation (fast-check arbitrary): shrinks toward small, early changes. */
export const safetensors_mutation: fc.Arbitrary<SafetensorsMutation> = fc.oneof(
  fc.constant<SafetensorsMutation>({ kind: 'none' }),
  fc.record({
    kind: fc.constant('truncate' as const),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('extend' as const),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant('flip' as const),
    region: fc.constantFrom('header' as const, 'data' as const, 'length' as const),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constant('set_byte' as const),
    region: fc.constantFrom('header' as const, 'data' as const),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('header_length' as const), delta: fc.integer({ min: -64, max: 64 }) }),
  fc.record({ kind: fc.constant('header_length_u64' as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.record({
    kind: fc.constant('field' as const),
    entry: fc.nat(),
    field: fc.constantFrom('dtype' as const, 'shape' as const, 'data_offsets' as const),
    value: json_value,
  }),
  fc.record({ kind: fc.constant('dim' as const), entry: fc.nat(), dim: fc.nat(), value: json_value }),
  fc.record({
    kind: fc.constant('offset' as const),
    entry: fc.nat(),
    which: fc.constantFrom(0 as const, 1 as const),
    delta: fc.oneof(fc.integer({ min: -16, max: 16 }), fc.constantFrom(2 ** 31, 2 ** 53, -(2 ** 40))),
  }),
  fc.record({ kind: fc.constant('rename' as const), entry: fc.nat(), key: key_arb }),
  fc.record({ kind: fc.constant('delete' as const), entry: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), key: key_arb, value: json_value }),
  fc.record({ kind: fc.constant('metadata' as const), value: json_value }),
  fc.record({ kind: fc.constant('reorder' as const), seed: fc.nat() }),
  fc.record({
    kind: fc.constant('whitespace' as const),
    spaces: fc.integer({ min: 0, max: 20 }),
    pad_to_8: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('nest' as const),
    entry: fc.nat(),
    field: fc.constantFrom('dtype' as const, 'shape' as const, 'data_offsets' as const, 'metadata' as const),
    depth: fc.constantFrom(1, 100, 100_000),
  }),
);

/** Stands for a deeply nested array in header text (JSON.stringify itself would overflow on one). */
const NEST = '\u0000nest\u0000';

interface Split {
  header_len: number;
  header: Record<string, JsonValue>;
  data: Uint8Array;
}

function split(bytes: Uint8Array): Split {
  const header_len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + header_len));
  return { header_len, header: JSON.parse(text) as Record<string, JsonValue>, data: bytes.subarray(8 + header_len) };
}

function join_parts(header_text: string, data: Uint8Array, length?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header_text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Header entries as [key, value] in order, built on null-prototype objects so "__proto__" stays a key. */
function entries_of(h: Record<string, JsonValue>): [string, JsonValue][] {
  return Object.entries(h);
}

function from_entries(es: [string, JsonValue][]): Record<string, JsonValue> {
  const o: Record<string, JsonValue> = Object.create(null);
  for (const [k, v] of es)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

function tensor_entries(es: [string, JsonValue][]): number[] {
  return es.flatMap(([k], i) => (k === '__metadata__' ? [] : [i]));
}

/** Applies `m` to valid safetensors `bytes` (not modified); returns the mutated file. */
export function apply_mutation(bytes: Uint8Array, m: SafetensorsMutation): Uint8Array {
  const { header_len, header, data } = split(bytes);
  const region = (r: 'header' | 'data' | 'length', at: number): number =>
    r === 'length'
      ? Math.floor(at * 8)
      : r === 'header'
        ? 8 + Math.floor(at * header_len)
        : 8 + header_len + Math.floor(at * data.length);
  const es = entries_of(header);
  const tensors = tensor_entries(es);
  const pick = (n: number): number | null => (tensors.length ? tensors[n % tensors.length] : null);
  const rebuild = (next: [string, JsonValue][]): Uint8Array => join_parts(JSON.stringify(from_entries(next)), data);
  const with_entry = (n: number, edit: (v: Record<string, JsonValue>) => void): Uint8Array => {
    const i = pick(n);
    if (i === null) return bytes.slice();
    const next = es.map(([k, v]) => [k, structuredClone(v)] as [string, JsonValue]);
    edit(next[i][1] as Record<string, JsonValue>);
    return rebuild(next);
  };
  switch (m.kind) {
    case 'none':
      return bytes.slice();
    case 'truncate':
      return bytes.slice(0, Math.floor(m.at * bytes.length));
    case 'extend':
      return new Uint8Array([...bytes, ...m.bytes]);
    case 'flip':
    case 'set_byte': {
      const out = bytes.slice();
      const len = m.region === 'header' ? header_len : m.region === 'data' ? data.length : 8;
      if (len === 0) return out;
      const p = region(m.region, m.at);
      out[p] = m.kind === 'flip' ? out[p] ^ (1 << m.bit) : m.value;
      return out;
    }
    case 'header_length': {
      const out = bytes.slice();
      const v = BigInt(Math.max(0, header_len + m.delta));
      new DataView(out.buffer).setBigUint64(0, v, true);
      return out;
    }
    case 'header_length_u64': {
      const out = bytes.slice();
      new DataView(out.buffer).setBigUint64(0, m.value, true);
      return out;
    }
    case 'field':
      return with_entry(m.entry, (v) => {
        v[m.field] = m.value;
      });
    case 'dim':
      return with_entry(m.entry, (v) => {
        const shape = v.shape as JsonValue[];
        if (shape.length === 0) shape.push(m.value);
        else shape[m.dim % shape.length] = m.value;
      });
    case 'offset':
      return with_entry(m.entry, (v) => {
        const o = v.data_offsets as number[];
        o[m.which] += m.delta;
      });
    case 'rename': {
      const i = pick(m.entry);
      if (i === null) return bytes.slice();
      return rebuild(es.map(([k, v], j) => [j === i ? m.key : k, v]));
    }
    case 'delete': {
      const i = pick(m.entry);
      return i === null ? bytes.slice() : rebuild(es.filter((_, j) => j !== i));
    }
    case 'add':
      return rebuild([...es, [m.key, m.value]]);
    case 'metadata':
      return rebuild([...es.filter(([k]) => k !== '__metadata__'), ['__metadata__', m.value]]);
    case 'reorder': {
      const next = [...es];
      let s = m.seed;
      for (let i = next.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        const j = s % (i + 1);
        [next[i], next[j]] = [next[j], next[i]];
      }
      return rebuild(next);
    }
    case 'nest': {
      const deep = `${'['.repeat(m.depth)}${']'.repeat(m.depth)}`;
      const i = pick(m.entry);
      let next: [string, JsonValue][];
      if (m.field === 'metadata' || i === null) {
        next = [...es.filter(([k]) => k !== '__metadata__'), ['__metadata__', { a: NEST }]];
      } else {
        next = es.map(([k, v], j) => [k, j === i ? { ...(v as Record<string, JsonValue>), [m.field]: NEST } : v]);
      }
      const text = JSON.stringify(from_entries(next)).replace(JSON.stringify(NEST), deep);
      return join_parts(text, data);
    }
    case 'whitespace': {
      let text = `${' '.repeat(m.spaces)}${JSON.stringify(from_entries(es), null, 1)}`;
      if (m.pad_to_8) text = text.padEnd(Math.ceil(text.length / 8) * 8, ' ');
      return join_parts(text, data);
    }
  }
}

/** What happened to one mutated file. */
export type MutationOutcome = 'error' | 'identical' | 'different';

function same_contents(a: SafetensorsContents, b: SafetensorsContents, compare_order: boolean): boolean {
  const ka = Object.keys(a.tensors);
  const kb = Object.keys(b.tensors);
  if (ka.length !== kb.length) return false;
  if (compare_order ? ka.some((k, i) => k !== kb[i]) : !ka.every((k) => Object.hasOwn(b.tensors, k))) return false;
  const eq = (x: Tensor, y: Tensor): boolean =>
    x.dtype === y.dtype &&
    x.shape.length === y.shape.length &&
    x.shape.every((d, i) => d === y.shape[i]) &&
    x.data.length === y.data.length &&
    x.data.every((v, i) => Object.is(v, y.data[i]));
  if (!ka.every((k) => eq(a.tensors[k], b.tensors[k]))) return false;
  return (
    JSON.stringify(a.metadata && Object.entries(a.metadata).sort()) ===
    JSON.stringify(b.metadata && Object.entries(b.metadata).sort())
  );
}

/**
 * Parses `mutated` and checks the parser's contract: it throws a plain Error whose message names
 * `source`, or it returns tensors that allocate at most twice the file's size (F16 widens to float32)
 * and, for a mutation that keeps the header's meaning, equal the original's. Returns the outcome, or
 * throws an Error describing the breach (with the mutation) when the contract is broken.
 */
export function check_mutated(
  original: SafetensorsContents,
  mutated: Uint8Array,
  m: SafetensorsMutation,
  source = 'fuzz.safetensors',
): MutationOutcome {
  const breach = (what: string): never => {
    throw new Error(
      `safetensors fuzz: ${what} after mutation ${JSON.stringify(m, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
    );
  };
  let got: SafetensorsContents;
  try {
    got = parse_safetensors(mutated, source);
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error)
      breach(`threw ${(e as Error)?.constructor?.name}: ${String(e)}`);
    if (!(e as Error).message.includes(source)) breach(`error does not name the file: ${(e as Error).message}`);
    return 'error';
  }
  const allocated = Object.values(got.tensors).reduce((s, t) => s + t.data.byteLength, 0);
  if (allocated > 2 * mutated.byteLength) breach(`allocated ${allocated} bytes for a ${mutated.byteLength}-byte file`);
  const identical = same_contents(original, got, false);
  if (MEANING_PRESERVING.has(m.kind) && !identical) breach('a meaning-preserving re-encoding parsed differently');
  return identical ? 'identical' : 'different';
}
