/**
 * NumPy's .npy format (numpy/lib/format.py), browser-safe: the magic `\x93NUMPY`, a version (1.0: uint16
 * header length; 2.0 / 3.0: uint32), a Python dict literal `{'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), }` padded with spaces to a newline, then the elements in C order. Every field is
 * checked; errors name `source` (the file).
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The dtypes a .npy may hold (kind + item size, any byte order) and the fxq dtype each loads as. */
const DESCRS: Record<string, { dtype: DType; size: number }> = {
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float32', size: 8 }, // float64 narrows to float32, fxq's only float dtype
  i8: { dtype: 'int64', size: 8 },
  i4: { dtype: 'int32', size: 4 },
  i1: { dtype: 'int8', size: 1 },
  u1: { dtype: 'uint8', size: 1 },
  b1: { dtype: 'bool', size: 1 },
};

/** Parses the header dict literal numpy writes (string, bool and int-tuple values only). */
function parse_header(text: string, fail: (m: string) => never): Record<string, string | boolean | number[]> {
  const body = text.trim();
  if (!body.startsWith('{') || !body.endsWith('}')) fail(`header is not a dict literal: ${JSON.stringify(body)}`);
  const out: Record<string, string | boolean | number[]> = {};
  const entry = /\s*'([^']*)'\s*:\s*('[^']*'|True|False|\([^)]*\))\s*(,|$)/y;
  const inner = body.slice(1, -1);
  let at = 0;
  while (at < inner.length && inner.slice(at).trim() !== '') {
    entry.lastIndex = at;
    const m = entry.exec(inner);
    if (!m) fail(`cannot parse the header dict at ${JSON.stringify(inner.slice(at, at + 30))}`);
    const [, key, v] = m;
    if (key in out) fail(`header key '${key}' appears twice`);
    if (v.startsWith("'")) out[key] = v.slice(1, -1);
    else if (v === 'True' || v === 'False') out[key] = v === 'True';
    else {
      const parts = v
        .slice(1, -1)
        .split(',')
        .map((p) => p.trim());
      if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // (5,) — the trailing comma
      if (parts.length === 1 && parts[0] === '') parts.pop(); // () — a scalar
      const dims = parts.map(Number);
      if (parts.some((p, i) => !/^\d+$/.test(p) || !Number.isSafeInteger(dims[i])))
        fail(`header 'shape' must be a tuple of non-negative integers, got ${v}`);
      out[key] = dims;
    }
    at = m.index + m[0].length;
  }
  return out;
}

/** Parses .npy bytes into a tensor (float64 → float32; int64 exact up to 2^53); `source` names the file in errors. */
export function parse_npy(bytes: Uint8Array, source = '<buffer>'): Tensor {
  const fail = (msg: string): never => {
    throw new Error(`npy ${source}: ${msg}`);
  };
  if (bytes.byteLength < 10) fail(`file is ${bytes.byteLength} bytes, too short for a .npy header`);
  if (MAGIC.some((b, i) => bytes[i] !== b)) fail('bad magic: a .npy file starts with \\x93NUMPY');
  const major = bytes[6];
  const minor = bytes[7];
  if (![1, 2, 3].includes(major) || minor !== 0) fail(`unsupported format version ${major}.${minor} (1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len_bytes = major === 1 ? 2 : 4;
  if (bytes.byteLength < 8 + len_bytes) fail('file too short for the header length');
  const header_len = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + len_bytes + header_len;
  if (bytes.byteLength < start)
    fail(`header of ${header_len} bytes runs past the end of the ${bytes.byteLength}-byte file`);
  const raw = bytes.subarray(8 + len_bytes, start);
  const text = major === 3 ? new TextDecoder().decode(raw) : String.fromCharCode(...raw);
  if (!text.endsWith('\n')) fail('header does not end with a newline');
  const h = parse_header(text, fail);
  for (const k of Object.keys(h))
    if (!['descr', 'fortran_order', 'shape'].includes(k)) fail(`unexpected header key '${k}'`);
  for (const k of ['descr', 'fortran_order', 'shape']) if (!(k in h)) fail(`header has no '${k}'`);
  const { descr, fortran_order, shape } = h as { descr: unknown; fortran_order: unknown; shape: unknown };
  if (typeof descr !== 'string') fail(`header 'descr' must be a string, got ${String(descr)}`);
  if (typeof fortran_order !== 'boolean') fail("header 'fortran_order' must be True or False");
  if (fortran_order) fail('fortran_order is True: save a C-ordered array (np.ascontiguousarray) instead');
  if (!Array.isArray(shape)) fail("header 'shape' must be a tuple");
  const d = descr as string;
  const order = d[0];
  const kind = DESCRS[d.slice(1)];
  if (!['<', '>', '|', '='].includes(order) || !kind)
    fail(`unsupported dtype '${d}' (supported: <f4, <f8, <i8, <i4, |i1, |u1, |b1, either byte order)`);
  if (kind.size > 1 && order === '|') fail(`dtype '${d}' needs a byte order (< or >)`);
  const dims = shape as number[];
  const n = dims.reduce((a, b) => a * b, 1);
  const have = bytes.byteLength - start;
  const need = n * kind.size;
  if (have !== need)
    fail(
      `shape (${dims.join(', ')}) of ${d} needs ${need} data bytes, the file has ${have} (${have < need ? 'truncated' : 'trailing bytes'})`,
    );
  const little = order !== '>';
  let data: TypedArray;
  const get = (i: number): number => {
    const o = start + i * kind.size;
    switch (d.slice(1)) {
      case 'f4':
        return view.getFloat32(o, little);
      case 'f8':
        return view.getFloat64(o, little);
      case 'i4':
        return view.getInt32(o, little);
      default: {
        const v = view.getBigInt64(o, little);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
          fail(`int64 element ${i} = ${v} is beyond 2^53, which fxq's int64 cannot hold exactly`);
        return Number(v);
      }
    }
  };
  if (kind.size === 1) {
    const copy = bytes.slice(start);
    data = kind.dtype === 'int8' ? new Int8Array(copy.buffer) : copy;
    if (kind.dtype === 'bool' && copy.some((b) => b > 1)) fail('bool data holds a byte other than 0 or 1');
  } else {
    data =
      kind.dtype === 'float32' ? new Float32Array(n) : kind.dtype === 'int32' ? new Int32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = get(i);
  }
  return new Tensor(data, dims, kind.dtype);
}

const WRITE_DESCR: Partial<Record<DType, string>> = {
  float32: '<f4',
  int64: '<i8',
  int32: '<i4',
  int8: '|i1',
  uint8: '|u1',
  bool: '|b1',
};

/** Encodes a tensor as .npy 1.0 bytes (numpy.save's layout: the header padded to 64 bytes). */
export function serialize_npy(t: Tensor): Uint8Array {
  const descr = WRITE_DESCR[t.dtype];
  if (!descr) throw new Error(`serialize_npy: dtype ${t.dtype} has no .npy equivalent (dequantize first)`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const c = t; // tensors are dense row-major
  const n = c.numel();
  const size = Number(descr.slice(2));
  const out = new Uint8Array(10 + header.length + n * size);
  out.set(MAGIC);
  out[6] = 1;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const src = c.data as ArrayLike<number>;
  const at = 10 + header.length;
  for (let i = 0; i < n; i++) {
    if (size === 1) out[at + i] = src[i] & 0xff;
    else if (descr === '<f4') view.setFloat32(at + 4 * i, src[i], true);
    else if (descr === '<i4') view.setInt32(at + 4 * i, src[i], true);
    else view.setBigInt64(at + 8 * i, BigInt(src[i]), true);
  }
  return out;
}
