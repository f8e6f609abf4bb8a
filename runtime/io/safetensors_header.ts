/**
 * The safetensors header, read and validated before any tensor is allocated: an 8-byte little-endian
 * length N, N bytes of UTF-8 JSON `{key: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}`,
 * then the data section. Browser-safe (no Node built-ins).
 */
import { is_safetensors_dtype, type SafetensorsDType, ST_ITEMSIZE } from './safetensors_dtypes.js';

/** The free-form string → string map stored under `__metadata__` (a null-prototype object: no key is special). */
export type SafetensorsMetadata = Record<string, string>;

/** One tensor's header entry: its dtype, shape and byte range within the data section. */
export interface SafetensorsTensorInfo {
  dtype: SafetensorsDType;
  shape: number[];
  data_offsets: [number, number];
}

/** A validated header: entries in header order, the metadata, and where the data section lies. */
export interface SafetensorsHeader {
  tensors: Map<string, SafetensorsTensorInfo>;
  metadata: SafetensorsMetadata | null;
  /** Byte offset of the data section in the file (8 + header length). */
  data_start: number;
  /** Byte length of the data section (file size − data_start). */
  data_length: number;
}

// same bound as the reference implementation: a larger header is a corrupt length, not a real header
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/** Names that are special on a JavaScript object; refused as keys (or dotted key parts) so no lookup can reach them. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why `key` may not name a tensor or a metadata entry, or null when it may. */
export function reserved_key_problem(key: string): string | null {
  if (key === '') return 'an empty key is not allowed';
  if (key.split('.').some((part) => RESERVED_KEYS.has(part))) {
    return `key ${quote(key)} is not allowed (${[...RESERVED_KEYS].join(', ')} are reserved JavaScript property names)`;
  }
  return null;
}

/** A key for an error message (a key may be megabytes long). */
function quote(key: string): string {
  return JSON.stringify(key.length > 200 ? `${key.slice(0, 200)}…` : key);
}

/** A short rendering of a header value for an error message: never recursive (a value may nest 10^6 deep). */
function preview(v: unknown): string {
  const one = (x: unknown): string =>
    x === null || typeof x !== 'object'
      ? (JSON.stringify(x) ?? String(x)).slice(0, 40)
      : Array.isArray(x)
        ? '[…]'
        : '{…}';
  if (!Array.isArray(v)) return one(v);
  return `[${v.slice(0, 8).map(one).join(', ')}${v.length > 8 ? `, … (${v.length} items)` : ''}]`;
}

function is_count(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function is_plain_object(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parse_entry(
  key: string,
  raw: unknown,
  data_length: number,
  fail: (msg: string) => never,
): SafetensorsTensorInfo {
  const where = `tensor ${quote(key)}`;
  if (!is_plain_object(raw)) fail(`${where}: header entry is not an object`);
  const dtype = Object.hasOwn(raw, 'dtype') ? raw.dtype : undefined;
  const shape = Object.hasOwn(raw, 'shape') ? raw.shape : undefined;
  const offsets = Object.hasOwn(raw, 'data_offsets') ? raw.data_offsets : undefined;
  if (!is_safetensors_dtype(dtype)) {
    fail(`${where}: unknown dtype ${preview(dtype)} (known: ${Object.keys(ST_ITEMSIZE).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(is_count))
    fail(`${where}: shape ${preview(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(is_count)) {
    fail(`${where}: data_offsets ${preview(offsets)} is not [begin, end] of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before begin`);
  if (end > data_length) {
    fail(
      `${where}: data_offsets [${begin}, ${end}] run past the data section of ${data_length} bytes (truncated file)`,
    );
  }
  // the product is bounded by the span (itself bounded by the file), so it never overflows or allocates without bound
  const dims = shape as number[];
  const item = ST_ITEMSIZE[dtype];
  let bytes = dims.includes(0) ? 0 : item;
  for (const d of dims) {
    bytes *= d;
    if (bytes > end - begin) break;
  }
  if (bytes !== end - begin) {
    const needs = bytes > end - begin ? `more than ${end - begin}` : `${bytes}`;
    fail(
      `${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${dims.join(', ')}] × ${dtype} needs ${needs}`,
    );
  }
  return { dtype, shape: [...dims], data_offsets: [begin, end] };
}

function parse_metadata(raw: unknown, fail: (msg: string) => never): SafetensorsMetadata {
  if (!is_plain_object(raw)) fail('__metadata__ must be an object of string values');
  const out: SafetensorsMetadata = Object.create(null);
  for (const [k, v] of Object.entries(raw)) {
    const bad = reserved_key_problem(k);
    if (bad) fail(`__metadata__: ${bad}`);
    if (typeof v !== 'string') fail(`__metadata__ ${quote(k)} must be a string, got ${typeof v}`);
    out[k] = v;
  }
  return out;
}

/**
 * Reads and validates a safetensors header without touching the data: header length within the file
 * and MAX_SAFETENSORS_HEADER_BYTES, a JSON object, known dtypes, shapes of non-negative integers whose
 * byte size equals the entry's span, offsets that tile the data section exactly (in range, no gap, no
 * overlap, nothing trailing), `__metadata__` string → string, and no reserved or empty key.
 * `bytes` may be just the start of the file when `file_size` gives its full length. Errors name `source`.
 */
export function read_safetensors_header(
  bytes: Uint8Array,
  source = '<buffer>',
  file_size: number = bytes.byteLength,
): SafetensorsHeader {
  const fail = (msg: string): never => {
    throw new Error(`safetensors ${source}: ${msg}`);
  };
  if (file_size < 8 || bytes.byteLength < 8)
    fail(`file is ${Math.min(file_size, bytes.byteLength)} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header_len_big = view.getBigUint64(0, true);
  if (header_len_big > BigInt(file_size - 8)) {
    fail(
      `header length ${header_len_big} exceeds the ${file_size - 8} bytes after the length field (truncated or corrupt file)`,
    );
  }
  if (header_len_big > BigInt(MAX_SAFETENSORS_HEADER_BYTES))
    fail(`header length ${header_len_big} is over the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit (corrupt file)`);
  const header_len = Number(header_len_big);
  if (bytes.byteLength < 8 + header_len)
    fail(`only ${bytes.byteLength} bytes given, the header needs ${8 + header_len}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + header_len)));
  } catch (e) {
    fail(`header (${header_len} bytes) is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (!is_plain_object(header)) fail('header JSON is not an object');
  const data_start = 8 + header_len;
  const data_length = file_size - data_start;
  let metadata: SafetensorsMetadata | null = null;
  const tensors = new Map<string, SafetensorsTensorInfo>();
  // JSON.parse makes every key (even "__proto__") an own property, so Object.entries sees them all
  for (const [key, raw] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      metadata = parse_metadata(raw, fail);
      continue;
    }
    const bad = reserved_key_problem(key);
    if (bad) fail(bad);
    tensors.set(key, parse_entry(key, raw, data_length, fail));
  }
  // the offsets must tile the data section: sorted by begin, each starts where the previous ended
  const by_offset = [...tensors].sort(
    ([, a], [, b]) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1],
  );
  let pos = 0;
  for (const [
    key,
    {
      data_offsets: [begin, end],
    },
  ] of by_offset) {
    if (begin !== pos) {
      fail(
        begin > pos
          ? `tensor ${quote(key)}: data_offsets [${begin}, ${end}] leave a gap after byte ${pos} of the data section`
          : `tensor ${quote(key)}: data_offsets [${begin}, ${end}] overlap the previous tensor (which ends at ${pos})`,
      );
    }
    pos = end;
  }
  if (pos !== data_length) fail(`data section is ${data_length} bytes but the tensors cover ${pos} (trailing bytes)`);
  return { tensors, metadata, data_start, data_length };
}
