/**
 * The safetensors header of an artifact, read without touching the data (runtime/io/safetensors_header.ts:
 * known dtypes, sizes match spans, ranges tile the data section), and keys that are dotted identifiers
 * with no `__proto__` / `constructor` / `prototype` part. Nothing here allocates more than
 * the header's own JSON, so the artifact's module entries can be checked against it before any module is built.
 */
import {
  decode_elements,
  type SafetensorsDType,
  ST_ITEMSIZE,
  ST_TO_DTYPE,
} from '../../runtime/io/safetensors_dtypes.js';
import { read_safetensors_header } from '../../runtime/io/safetensors_header.js';
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

// identifiers, indices, and torch's digit-led buffer names of a Sequential's layers (`0_input_scale_0`)
const PART_RE = /^(?:[A-Za-z_][A-Za-z0-9_]*|0|[1-9][0-9]*|[0-9][A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*)$/;
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

/** Reads and checks the header of `bytes` (runtime/io's validation, plus dotted-name keys); errors name `source`. */
export function read_st_header(bytes: Uint8Array, source: string): StHeader {
  const h = read_safetensors_header(bytes, source);
  const entries = new Map<string, StEntry>();
  for (const [key, info] of h.tensors) {
    if (!is_dotted_name(key))
      throw new Error(
        `load_quantized ${source}: tensor key ${JSON.stringify(key)} is not a dotted name of identifiers`,
      );
    const [begin, end] = info.data_offsets;
    entries.set(key, { key, dtype: info.dtype, shape: info.shape, begin, end });
  }
  const metadata = h.metadata ? new Map<string, string>(Object.entries(h.metadata)) : null;
  return { entries, metadata, data_start: h.data_start, data_bytes: h.data_length };
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
  // a Node Buffer's slice() shares its (pooled) memory, and decode_elements copies with slice(): view the
  // bytes as a plain Uint8Array so every copy is a copy of the tensor's own bytes
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
