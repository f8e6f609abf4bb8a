/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON `{key: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}`,
 * then the raw little-endian data; offsets are relative to the data section.
 */
import { readFileSync } from 'node:fs';
import { shape_numel, Tensor } from '../tensor/tensor.js';
import { write_file_atomic } from './atomic.js';
import {
  DTYPE_TO_ST,
  decode_elements,
  encode_elements,
  is_safetensors_dtype,
  type SafetensorsDType,
  ST_ITEMSIZE,
  ST_TO_DTYPE,
} from './safetensors_dtypes.js';

/** The free-form string → string map stored under `__metadata__`. */
export type SafetensorsMetadata = Record<string, string>;

/** What a safetensors file holds: its tensors (in header order) and its metadata (null when absent). */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: SafetensorsMetadata | null;
}

// same bound as the reference implementation: a larger header is a corrupt length, not a real header
const MAX_HEADER_BYTES = 100_000_000;

interface Entry {
  key: string;
  st: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

function is_count(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function parse_entry(key: string, raw: unknown, fail: (msg: string) => never): Entry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(`tensor "${key}": header entry is not an object`);
  const { dtype, shape, data_offsets } = raw as Record<string, unknown>;
  if (!is_safetensors_dtype(dtype)) {
    fail(`tensor "${key}": unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(ST_ITEMSIZE).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(is_count))
    fail(`tensor "${key}": shape ${JSON.stringify(shape)} is not a list of sizes`);
  if (!Array.isArray(data_offsets) || data_offsets.length !== 2 || !data_offsets.every(is_count)) {
    fail(`tensor "${key}": data_offsets ${JSON.stringify(data_offsets)} is not [begin, end]`);
  }
  const [begin, end] = data_offsets as [number, number];
  if (end < begin) fail(`tensor "${key}": data_offsets [${begin}, ${end}] end before begin`);
  const expected = shape_numel(shape as number[]) * ST_ITEMSIZE[dtype];
  if (end - begin !== expected) {
    fail(
      `tensor "${key}": data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] × ${dtype} needs ${expected}`,
    );
  }
  return { key, st: dtype, shape: shape as number[], begin, end };
}

/**
 * Parses safetensors bytes. Validates the header length, the JSON, every dtype, shape × dtype size
 * = byte span, and that the offsets tile the data section exactly (contiguous, in bounds);
 * errors name `source` (a file name) and the tensor key.
 */
export function parse_safetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContents {
  const fail = (msg: string): never => {
    throw new Error(`safetensors ${source}: ${msg}`);
  };
  // a Node Buffer's slice() shares memory: view it as a plain Uint8Array so slice() copies
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header_len_big = view.getBigUint64(0, true);
  if (header_len_big > BigInt(bytes.byteLength - 8)) {
    fail(
      `header length ${header_len_big} exceeds the ${bytes.byteLength - 8} bytes after the length field (truncated or corrupt file)`,
    );
  }
  if (header_len_big > BigInt(MAX_HEADER_BYTES))
    fail(`header length ${header_len_big} is over the ${MAX_HEADER_BYTES}-byte limit (corrupt file)`);
  const header_len = Number(header_len_big);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + header_len)));
  } catch (e) {
    fail(`header (${header_len} bytes) is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header JSON is not an object');
  let metadata: SafetensorsMetadata | null = null;
  const entries: Entry[] = [];
  for (const [key, raw] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (
        typeof raw !== 'object' ||
        raw === null ||
        Array.isArray(raw) ||
        !Object.values(raw).every((v) => typeof v === 'string')
      ) {
        fail('__metadata__ must be an object of string values');
      }
      metadata = { ...(raw as SafetensorsMetadata) };
      continue;
    }
    entries.push(parse_entry(key, raw, fail));
  }
  const data = bytes.subarray(8 + header_len);
  // the offsets must tile the data section: sorted by begin, each starts where the previous ended
  const by_offset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of by_offset) {
    if (e.begin !== pos) {
      fail(
        e.begin > pos
          ? `tensor "${e.key}": data_offsets [${e.begin}, ${e.end}] leave a gap after byte ${pos} of the data section`
          : `tensor "${e.key}": data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (which ends at ${pos})`,
      );
    }
    if (e.end > data.byteLength) {
      fail(
        `tensor "${e.key}": data_offsets [${e.begin}, ${e.end}] run past the data section of ${data.byteLength} bytes (truncated file)`,
      );
    }
    pos = e.end;
  }
  if (pos !== data.byteLength)
    fail(`data section is ${data.byteLength} bytes but the tensors cover ${pos} (trailing bytes)`);
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const n = shape_numel(e.shape);
    const storage = decode_elements(data.subarray(e.begin, e.end), e.st, n, `safetensors ${source}: tensor "${e.key}"`);
    tensors[e.key] = new Tensor(storage, e.shape, ST_TO_DTYPE[e.st]);
  }
  return { tensors, metadata };
}

/**
 * Serialises tensors to safetensors bytes. Data is laid out largest element size first, then by key
 * (as the reference files), so each tensor starts at a multiple of its element size; the header is
 * space-padded to a multiple of 8. Quantized tensors are refused (save int_repr() and qparams instead).
 */
export function serialize_safetensors(tensors: Record<string, Tensor>, metadata?: SafetensorsMetadata): Uint8Array {
  const items = Object.entries(tensors).map(([key, t]) => {
    if (key === '__metadata__')
      throw new Error('save_safetensors: "__metadata__" is reserved and cannot be a tensor key');
    if (!(t instanceof Tensor)) throw new Error(`save_safetensors: value for key "${key}" is not a Tensor`);
    const st = DTYPE_TO_ST[t.dtype];
    if (!st || t.is_quantized) {
      throw new Error(
        `save_safetensors: tensor "${key}" has dtype ${t.dtype}, which safetensors cannot hold; save t.int_repr() and its qparams as separate tensors`,
      );
    }
    return { key, t, st, bytes: encode_elements(t.data, st, `save_safetensors: tensor "${key}"`) };
  });
  items.sort((a, b) => ST_ITEMSIZE[b.st] - ST_ITEMSIZE[a.st] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`save_safetensors: metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const it of items) {
    header[it.key] = { dtype: it.st, shape: it.t.shape, data_offsets: [offset, offset + it.bytes.byteLength] };
    offset += it.bytes.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let pos = 8 + json.byteLength;
  for (const it of items) {
    out.set(it.bytes, pos);
    pos += it.bytes.byteLength;
  }
  return out;
}

function read_bytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`safetensors ${path}: cannot read file: ${(e as Error).message}`);
  }
}

/** Loads every tensor of a .safetensors file (F16 → float32, I64 → int64). Errors name the file and key. */
export function load_safetensors(path: string): Record<string, Tensor> {
  return parse_safetensors(read_bytes(path), path).tensors;
}

/** Loads tensors and the `__metadata__` map of a .safetensors file. */
export function load_safetensors_with_metadata(path: string): SafetensorsContents {
  return parse_safetensors(read_bytes(path), path);
}

/** Saves tensors (and optional string metadata) to a .safetensors file, atomically (temp file + rename). */
export function save_safetensors(tensors: Record<string, Tensor>, path: string, metadata?: SafetensorsMetadata): void {
  write_file_atomic(path, serialize_safetensors(tensors, metadata));
}
