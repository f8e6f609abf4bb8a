/**
 * Mutations of a saved quantized model, over the bytes of whatever files save_quantized wrote (one
 * safetensors file with the manifest in `__metadata__`, or the older manifest.json + model.ts +
 * weights.safetensors directory): truncations, byte flips in the length prefix / header / data, the header
 * length, and structure-aware edits of the safetensors header (dtypes, shapes, offsets, keys, metadata)
 * and of the manifest JSON wherever it is found (mutate_json.ts). Deterministic from the Rng.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { EVIL_STRINGS, mutate_json } from './mutate_json.js';
import { apply_mutation, type SafetensorsMutation, safetensors_mutation } from './mutate_safetensors.js';
import type { Rng } from './random_model.js';

/** The files of an artifact by relative name ('' when the artifact is one file). */
export type ArtifactFiles = Map<string, Uint8Array>;

/** Where a mutation landed, which decides whether a changed output was detectable at all. */
export type Region = 'st_length' | 'st_header' | 'st_data' | 'manifest' | 'source' | 'whole';

export interface Mutation {
  file: string;
  region: Region;
  kind: string;
  what: string;
  /** for st_data changes: the tensor whose bytes changed */
  tensor?: string;
}

export function read_artifact(path: string): ArtifactFiles {
  if (!statSync(path).isDirectory()) return new Map([['', new Uint8Array(readFileSync(path))]]);
  return new Map(readdirSync(path).map((f) => [f, new Uint8Array(readFileSync(join(path, f)))]));
}

/** A parsed safetensors file: the header object, its byte length and the data section. */
export interface StParts {
  header: Record<string, unknown>;
  header_len: number;
  data: Uint8Array;
}

export function split_safetensors(b: Uint8Array): StParts | null {
  if (b.length < 8) return null;
  const n = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  if (n > b.length - 8) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
    return { header, header_len: n, data: b.subarray(8 + n) };
  } catch {
    return null;
  }
}

/** A safetensors file from header text and data (the length prefix always matches the text). */
export function join_safetensors(header_text: string, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(header_text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const is_st = (name: string, b: Uint8Array) =>
  name === '' || name.endsWith('.safetensors') || split_safetensors(b) !== null;

/** The tensor whose data_offsets cover data byte `at`, if any. */
function tensor_at(header: Record<string, unknown>, at: number): string | undefined {
  for (const [k, v] of Object.entries(header)) {
    const o = (v as { data_offsets?: number[] })?.data_offsets;
    if (k !== '__metadata__' && Array.isArray(o) && at >= o[0] && at < o[1]) return k;
  }
  return undefined;
}

function byte_mutation(r: Rng, file: string, b: Uint8Array): { bytes: Uint8Array; m: Mutation } {
  const st = is_st(file, b) ? split_safetensors(b) : null;
  const out = b.slice();
  const kind = r.pick(['truncate', 'flip', 'flip', 'set', 'extend', 'cut'] as const);
  // the region: the length prefix, the header or the data (safetensors), else the whole file
  let lo = 0;
  let hi = b.length;
  let region: Region = file === 'manifest.json' ? 'manifest' : file.endsWith('.ts') ? 'source' : 'whole';
  if (st) {
    const pick = r.pick(['st_length', 'st_header', 'st_data', 'st_data'] as const);
    region = pick;
    [lo, hi] =
      pick === 'st_length' ? [0, 8] : pick === 'st_header' ? [8, 8 + st.header_len] : [8 + st.header_len, b.length];
    if (hi <= lo) [region, lo, hi] = ['st_header', 8, 8 + st.header_len];
  }
  const at = hi > lo ? r.int(lo, hi - 1) : lo;
  const tensor = st && region === 'st_data' ? tensor_at(st.header, at - 8 - st.header_len) : undefined;
  const base = { file, region, tensor };
  switch (kind) {
    case 'truncate':
      return { bytes: b.slice(0, at), m: { ...base, kind, what: `truncated to ${at} of ${b.length} bytes` } };
    case 'flip': {
      const bit = 1 << r.int(0, 7);
      out[at] ^= bit;
      return { bytes: out, m: { ...base, kind, what: `byte ${at} ^= ${bit}` } };
    }
    case 'set': {
      const v = r.pick([0, 0xff, 0x22, 0x7b, 0x5c, 0x80, r.int(0, 255)]);
      out[at] = v;
      return { bytes: out, m: { ...base, kind, what: `byte ${at} = ${v}` } };
    }
    case 'extend': {
      const extra = new Uint8Array(r.pick([1, 7, 8, 1000]));
      for (let i = 0; i < extra.length; i++) extra[i] = r.int(0, 255);
      const e = new Uint8Array(b.length + extra.length);
      e.set(b);
      e.set(extra, b.length);
      return { bytes: e, m: { ...base, region: 'whole', kind, what: `${extra.length} bytes appended` } };
    }
    default: {
      const len = Math.min(r.pick([1, 4, 8, 64]), b.length - at);
      const c = new Uint8Array(b.length - len);
      c.set(b.subarray(0, at));
      c.set(b.subarray(at + len), at);
      return { bytes: c, m: { ...base, kind: 'cut', what: `${len} bytes removed at ${at}` } };
    }
  }
}

/** Edits the length prefix alone (the header text and data unchanged). */
function length_mutation(r: Rng, file: string, b: Uint8Array, st: StParts): { bytes: Uint8Array; m: Mutation } {
  const n = st.header_len;
  const v = r.pick([
    0n,
    1n,
    BigInt(n - 1),
    BigInt(n + 1),
    BigInt(b.length),
    BigInt(b.length - 7),
    2n ** 53n,
    2n ** 64n - 1n,
    100_000_001n,
  ]);
  const out = b.slice();
  new DataView(out.buffer).setBigUint64(0, v, true);
  return { bytes: out, m: { file, region: 'st_length', kind: 'header_length', what: `header length ${n} → ${v}` } };
}

const DTYPES = ['F32', 'F16', 'BF16', 'F64', 'I8', 'U8', 'I16', 'I32', 'I64', 'BOOL', 'F8_E4M3', 'X', 'f32'];

/** Structure-aware edits of one tensor entry of the header: dtype, shape, data_offsets or its key. */
function header_mutation(r: Rng, file: string, st: StParts): { bytes: Uint8Array; m: Mutation } | null {
  const keys = Object.keys(st.header).filter((k) => k !== '__metadata__');
  if (!keys.length) return null;
  const key = r.pick(keys);
  const e = { ...(st.header[key] as Record<string, unknown>) };
  const h: Record<string, unknown> = { ...st.header, [key]: e };
  const kind = r.pick(['dtype', 'shape', 'offsets', 'offsets', 'key', 'drop_tensor', 'add_tensor'] as const);
  let what = '';
  const shape = e.shape as number[];
  const [b0, b1] = e.data_offsets as [number, number];
  switch (kind) {
    case 'dtype':
      e.dtype = r.chance(0.9) ? r.pick(DTYPES) : r.pick([null, 5, ['F32']]);
      what = `${key} dtype → ${JSON.stringify(e.dtype)}`;
      break;
    case 'shape': {
      const s = [...shape];
      const op = r.int(0, 5);
      if (op === 0 && s.length) s[r.int(0, s.length - 1)] += r.pick([-1, 1]);
      else if (op === 1) s.push(r.pick([1, 2]));
      else if (op === 2 && s.length) s.pop();
      else if (op === 3) s.reverse();
      else if (op === 4 && s.length) s[r.int(0, s.length - 1)] = r.pick([0, -1, 2 ** 31, 1e15, 2.5]);
      else s.unshift(1);
      e.shape = s;
      what = `${key} shape [${shape}] → [${s}]`;
      break;
    }
    case 'offsets': {
      const other = st.header[r.pick(keys)] as { data_offsets: number[] };
      const choices: [number, number][] = [
        [b1, b0],
        [b0 + 1, b1 + 1],
        [b0 - 1, b1 - 1],
        [b0, b1 + 8],
        [other.data_offsets[0], other.data_offsets[1]],
        [b0 + st.data.length, b1 + st.data.length],
        [-8, b1 - b0 - 8],
        [b0, 2 ** 53],
        [b0 + 0.5, b1 + 0.5],
      ];
      e.data_offsets = r.pick(choices);
      what = `${key} data_offsets [${b0}, ${b1}] → [${e.data_offsets}]`;
      break;
    }
    case 'key': {
      const name = r.chance(0.5) ? r.pick(EVIL_STRINGS) : r.pick(keys);
      delete h[key];
      Object.defineProperty(h, name, { value: e, enumerable: true, writable: true, configurable: true });
      what = `key ${key} → ${name.slice(0, 40)}`;
      break;
    }
    case 'drop_tensor':
      delete h[key];
      what = `tensor ${key} removed from the header`;
      break;
    case 'add_tensor':
      h[`${key}_extra`] = { dtype: 'F32', shape: [1], data_offsets: [0, 4] };
      what = `tensor ${key}_extra added`;
      break;
  }
  return { bytes: join_safetensors(JSON.stringify(h), st.data), m: { file, region: 'st_header', kind, what } };
}

/** A JSON mutation of the manifest: manifest.json, or a JSON-valued `__metadata__` entry, or the metadata map. */
function manifest_mutation(r: Rng, files: ArtifactFiles): { file: string; bytes: Uint8Array; m: Mutation } | null {
  const man = files.get('manifest.json');
  if (man) {
    const res = mutate_json(r, new TextDecoder().decode(man));
    if (!res) return null;
    const m: Mutation = { file: 'manifest.json', region: 'manifest', kind: `json_${res.kind}`, what: res.what };
    return { file: 'manifest.json', bytes: new TextEncoder().encode(res.text), m };
  }
  for (const [file, b] of files) {
    const st = is_st(file, b) ? split_safetensors(b) : null;
    const meta = st?.header.__metadata__ as Record<string, unknown> | undefined;
    if (!st || !meta) continue;
    const json_keys = Object.keys(meta).filter((k) => typeof meta[k] === 'string' && /^[[{]/.test(meta[k] as string));
    const target = json_keys.length && r.chance(0.85) ? r.pick(json_keys) : null;
    const res = mutate_json(r, target ? (meta[target] as string) : JSON.stringify(meta));
    if (!res) return null;
    const new_meta = target ? { ...meta, [target]: res.text } : JSON.parse(res.text);
    const header_text = JSON.stringify({ ...st.header, __metadata__: '@@META@@' }).replace(
      '"@@META@@"',
      target ? JSON.stringify(new_meta) : res.text,
    );
    const what = `${target ? `__metadata__.${target}: ` : '__metadata__: '}${res.what}`;
    const kind = `json_${res.kind}`;
    return { file, bytes: join_safetensors(header_text, st.data), m: { file, region: 'manifest', kind, what } };
  }
  return null;
}

/** Where h-io's safetensors mutations land (tests/fuzz/mutate_safetensors.ts). */
function io_region(m: SafetensorsMutation): Region {
  if (m.kind === 'flip' || m.kind === 'set_byte')
    return m.region === 'length' ? 'st_length' : m.region === 'header' ? 'st_header' : 'st_data';
  if (m.kind === 'header_length' || m.kind === 'header_length_u64') return 'st_length';
  if (m.kind === 'metadata' || (m.kind === 'nest' && m.field === 'metadata')) return 'manifest';
  return m.kind === 'truncate' || m.kind === 'extend' ? 'whole' : 'st_header';
}

/** One of h-io's safetensors mutations (a fast-check sample seeded from `r`) applied to a safetensors file. */
function io_mutation(r: Rng, file: string, b: Uint8Array, st: StParts): { bytes: Uint8Array; m: Mutation } {
  const [sm] = fc.sample(safetensors_mutation, { seed: r.int(0, 2 ** 31 - 1), numRuns: 1 });
  const region = io_region(sm);
  const tensor =
    region === 'st_data' && 'at' in sm ? tensor_at(st.header, Math.floor(sm.at * st.data.length)) : undefined;
  const what = JSON.stringify(sm, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)).slice(0, 200);
  return { bytes: apply_mutation(b, sm), m: { file, region, kind: `io_${sm.kind}`, what, tensor } };
}

/** A header edit that left every tensor entry as it was changed only `__metadata__` (the manifest). */
function in_metadata(st: StParts, bytes: Uint8Array, m: Mutation): Mutation {
  if (m.region !== 'st_header') return m;
  const after = split_safetensors(bytes);
  if (!after || after.data.length !== st.data.length) return m;
  const entries = (h: Record<string, unknown>) =>
    JSON.stringify(Object.entries(h).filter(([k]) => k !== '__metadata__'));
  try {
    if (entries(after.header) !== entries(st.header)) return m;
    // the same entries and metadata: a no-op on the header's meaning (a dtype set to itself, a reorder)
    if (JSON.stringify(after.header.__metadata__) === JSON.stringify(st.header.__metadata__))
      return { ...m, what: `${m.what} (header meaning unchanged)` };
  } catch {
    return m; // a 100,000-deep value in an entry: JSON.stringify overflows, and the entries differ anyway
  }
  return { ...m, region: 'manifest', what: `${m.what} (inside __metadata__)` };
}

/** One random mutation of an artifact: the mutated files (the others unchanged) and what was done. */
export function mutate_artifact(r: Rng, files: ArtifactFiles): { files: ArtifactFiles; m: Mutation } {
  for (let tries = 0; ; tries++) {
    const out = new Map(files);
    const family = r.pick([
      'bytes',
      'bytes',
      'length',
      'header',
      'header',
      'io',
      'io',
      'manifest',
      'manifest',
      'manifest',
    ]);
    if (family === 'manifest') {
      const res = manifest_mutation(r, files);
      if (res) {
        out.set(res.file, res.bytes);
        return { files: out, m: res.m };
      }
      continue;
    }
    const names = [...files.keys()];
    const st_names = names.filter((n) => is_st(n, files.get(n) as Uint8Array));
    const file = family === 'bytes' || !st_names.length || tries > 20 ? r.pick(names) : r.pick(st_names);
    const b = files.get(file) as Uint8Array;
    const st = is_st(file, b) ? split_safetensors(b) : null;
    const res =
      family === 'length' && st
        ? length_mutation(r, file, b, st)
        : family === 'header' && st
          ? header_mutation(r, file, st)
          : family === 'io' && st
            ? io_mutation(r, file, b, st)
            : byte_mutation(r, file, b);
    if (!res) continue;
    out.set(file, res.bytes);
    return { files: out, m: st ? in_metadata(st, res.bytes, res.m) : res.m };
  }
}
