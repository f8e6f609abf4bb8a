/**
 * The safetensors header of an artifact, read without touching the data: every tensor's dtype, shape and
 * byte range, checked (known dtype, sizes match, ranges tile the data section, names are dotted
 * identifiers with no `__proto__` / `constructor` / `prototype` part). Nothing here allocates more than
 * the header's own JSON, so the artifact's module entries can be checked against it before any module is built.
 */
import {
  decode_elements,
  is_safetensors_dtype,
  type SafetensorsDType,
  ST_ITEMSIZE,
  ST_TO_DTYPE,
} from '../../runtime/io/safetensors_dtypes.js';
import { Tensor } from '../../runtime/tensor/tensor.js';

/** One tensor's header entry; begin / end are offsets into the data section. */
export interface StEntry {
  key: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** A parsed header: entries by key (no prototype: a Map), `__metadata__`, and where the data starts. */
export interface StHeader {
  entries: Map<string, StEntry>;
  metadata: Map<string, string> | null;
  data_start: number;
  data_bytes: number;
}

// a longer header is a corrupt length field, not a real header (the reference implementation's bound)
const MAX_HEADER_BYTES = 100_000_000;
// a single dimension beyond 2^31 cannot index a typed array; refusing it keeps numel products exact
const MAX_DIM = 2 ** 31 - 1;

const PART_RE = /^(?:[A-Za-z_][A-Za-z0-9_]*|0|[1-9][0-9]*)$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** True for a dotted path of identifiers / indices with no prototype-touching part. */
export function is_dotted_name(s: unknown): s is string {
  return (
    typeof s === 'string' &&
    s.length > 0 &&
    s.length <= 1024 &&
    s.split('.').every((p) => PART_RE.test(p) && !FORBIDDEN.has(p))
  );
}

/** Reads and checks the header of `bytes`; errors name `source` and the key. */
export function read_st_header(bytes: Uint8Array, source: string): StHeader {
  const fail = (msg: string): never => {
    throw new Error(`load_quantized ${source}: ${msg}`);
  };
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, too short for a safetensors header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.byteLength - 8))
    fail(`safetensors header length ${n} exceeds the ${bytes.byteLength - 8} bytes that follow (truncated or corrupt)`);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`safetensors header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit`);
  const len = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + len)));
  } catch (e) {
    fail(`safetensors header (${len} bytes) is not UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('safetensors header is not a JSON object');
  const data_start = 8 + len;
  const data_bytes = bytes.byteLength - data_start;
  const entries = new Map<string, StEntry>();
  let metadata: Map<string, string> | null = null;
  for (const [key, raw] of Object.entries(header as object)) {
    if (key === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('__metadata__ is not an object');
      metadata = new Map();
      for (const [k, v] of Object.entries(raw as object)) {
        if (typeof v !== 'string') fail(`__metadata__ "${k}" is not a string`);
        metadata.set(k, v);
      }
      continue;
    }
    if (!is_dotted_name(key)) fail(`tensor key ${JSON.stringify(key)} is not a dotted name of identifiers`);
    entries.set(key, parse_entry(key, raw, data_bytes, fail));
  }
  // the byte ranges must tile the data section exactly: no gaps, overlaps or trailing bytes
  let pos = 0;
  for (const e of [...entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (e.begin !== pos)
      fail(
        `tensor "${e.key}": data_offsets [${e.begin}, ${e.end}] ${e.begin > pos ? 'leave a gap' : 'overlap'} at byte ${pos}`,
      );
    pos = e.end;
  }
  if (pos !== data_bytes) fail(`data section is ${data_bytes} bytes but the tensors cover ${pos}`);
  return { entries, metadata, data_start, data_bytes };
}

function parse_entry(key: string, raw: unknown, data_bytes: number, fail: (m: string) => never): StEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`tensor "${key}": entry is not an object`);
  const extra = Object.keys(raw as object).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
  if (extra.length) fail(`tensor "${key}": unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  const { dtype, shape, data_offsets } = raw as Record<string, unknown>;
  if (!is_safetensors_dtype(dtype)) fail(`tensor "${key}": unknown dtype ${JSON.stringify(dtype)}`);
  const st = dtype as SafetensorsDType;
  const is_dim = (d: unknown): d is number => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= MAX_DIM;
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every(is_dim))
    fail(`tensor "${key}": shape ${JSON.stringify(shape)?.slice(0, 80)} is not a list of at most 8 sizes`);
  const offs = data_offsets as unknown[];
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((v) => Number.isSafeInteger(v) && (v as number) >= 0))
    fail(`tensor "${key}": data_offsets ${JSON.stringify(data_offsets)?.slice(0, 80)} is not [begin, end]`);
  const [begin, end] = offs as [number, number];
  if (end < begin || end > data_bytes)
    fail(`tensor "${key}": data_offsets [${begin}, ${end}] are outside the ${data_bytes}-byte data section`);
  // the span is ≤ data_bytes, so comparing against it bounds the product before it can lose precision
  let numel = 1;
  for (const d of shape as number[]) numel = Math.min(numel * d, Number.MAX_SAFE_INTEGER);
  const need = numel * ST_ITEMSIZE[st];
  if (need !== end - begin)
    fail(
      `tensor "${key}": shape [${(shape as number[]).join(', ')}] × ${st} needs ${need} bytes, data_offsets span ${end - begin}`,
    );
  return { key, dtype: st, shape: shape as number[], begin, end };
}

/** The elements of entry `e` as numbers (only for small qparam tensors: the caller bounds their size). */
export function read_numbers(bytes: Uint8Array, h: StHeader, e: StEntry): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset + h.data_start + e.begin, e.end - e.begin);
  const n = (e.end - e.begin) / ST_ITEMSIZE[e.dtype];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    switch (e.dtype) {
      case 'F32':
        out.push(view.getFloat32(4 * i, true));
        break;
      case 'I64':
        out.push(Number(view.getBigInt64(8 * i, true)));
        break;
      case 'I32':
        out.push(view.getInt32(4 * i, true));
        break;
      case 'I8':
        out.push(view.getInt8(i));
        break;
      case 'U8':
      case 'BOOL':
        out.push(view.getUint8(i));
        break;
      default:
        throw new Error(`read_numbers: "${e.key}" is ${e.dtype}, not a qparam dtype`);
    }
  }
  return out;
}

/** Every tensor of a checked header, decoded (one copy of the data section); a prototype-free record. */
export function decode_tensors(bytes: Uint8Array, h: StHeader, source: string): Record<string, Tensor> {
  const out = Object.create(null) as Record<string, Tensor>;
  for (const e of h.entries.values()) {
    const n = (e.end - e.begin) / ST_ITEMSIZE[e.dtype];
    const raw = bytes.subarray(h.data_start + e.begin, h.data_start + e.end);
    out[e.key] = new Tensor(
      decode_elements(raw, e.dtype, n, `load_quantized ${source}: tensor "${e.key}"`),
      e.shape,
      ST_TO_DTYPE[e.dtype],
    );
  }
  return out;
}
