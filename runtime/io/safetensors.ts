/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON `{key: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}`,
 * then the raw little-endian data; offsets are relative to the data section.
 * Browser-safe: the file-path functions live in node/safetensors_file.ts.
 */
import { shape_numel, Tensor } from '../tensor/tensor.js';
import { DTYPE_TO_ST, decode_elements, encode_elements, ST_ITEMSIZE, ST_TO_DTYPE } from './safetensors_dtypes.js';
import { read_safetensors_header, reserved_key_problem, type SafetensorsMetadata } from './safetensors_header.js';

export {
  MAX_SAFETENSORS_HEADER_BYTES,
  read_safetensors_header,
  type SafetensorsHeader,
  type SafetensorsMetadata,
  type SafetensorsTensorInfo,
} from './safetensors_header.js';

/** What a safetensors file holds: its tensors (in header order) and its metadata (null when absent). */
export interface SafetensorsContents {
  /** A null-prototype object: no key is special. */
  tensors: Record<string, Tensor>;
  metadata: SafetensorsMetadata | null;
}

/**
 * Parses safetensors bytes. The whole header is validated first (read_safetensors_header: lengths,
 * JSON, dtypes, shapes, offsets tiling the data section, metadata, reserved keys), so nothing is
 * allocated for a malformed file; errors name `source` (a file name) and the tensor key.
 */
export function parse_safetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContents {
  // a Node Buffer's slice() shares memory: view it as a plain Uint8Array so slice() copies
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = read_safetensors_header(bytes, source);
  const data = bytes.subarray(header.data_start);
  const tensors: Record<string, Tensor> = Object.create(null);
  for (const [key, e] of header.tensors) {
    const [begin, end] = e.data_offsets;
    const where = `safetensors ${source}: tensor ${JSON.stringify(key)}`;
    const raw = data.subarray(begin, end);
    if (e.dtype === 'BOOL') {
      const bad = raw.findIndex((b) => b > 1);
      if (bad >= 0) throw new Error(`${where}: BOOL element ${bad} is ${raw[bad]}, not 0 or 1`);
    }
    const storage = decode_elements(raw, e.dtype, shape_numel(e.shape), where);
    tensors[key] = new Tensor(storage, e.shape, ST_TO_DTYPE[e.dtype]);
  }
  return { tensors, metadata: header.metadata };
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
    const bad = reserved_key_problem(key);
    if (bad) throw new Error(`save_safetensors: ${bad}`);
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
      const bad = reserved_key_problem(k);
      if (bad) throw new Error(`save_safetensors: metadata ${bad}`);
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
