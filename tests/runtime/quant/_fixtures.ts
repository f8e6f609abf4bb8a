/**
 * Test helpers: a minimal safetensors reader for the observer goldens (copied from the PyTorch 1.13
 * reference into tests/fixtures/reference/golden/) so these tests do not depend on runtime/io.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../../runtime/tensor/tensor.js';

const GOLDEN_DIR = fileURLToPath(new URL('../../fixtures/reference/golden/', import.meta.url));

/** Reads every tensor of a safetensors file (I64 becomes an 'int64' tensor in a Float64Array). */
export function read_safetensors(path: string): Record<string, Tensor> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + n;
  const out: Record<string, Tensor> = {};
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bytes = buf.subarray(base + h.data_offsets[0], base + h.data_offsets[1]);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    switch (h.dtype) {
      case 'F32':
        out[name] = new Tensor(new Float32Array(ab), h.shape, 'float32');
        break;
      case 'I64':
        out[name] = new Tensor(Float64Array.from(new BigInt64Array(ab), Number), h.shape, 'int64');
        break;
      case 'I32':
        out[name] = new Tensor(new Int32Array(ab), h.shape, 'int32');
        break;
      case 'I8':
        out[name] = new Tensor(new Int8Array(ab), h.shape, 'int8');
        break;
      case 'U8':
        out[name] = new Tensor(new Uint8Array(ab), h.shape, 'uint8');
        break;
      default:
        throw new Error(`read_safetensors(${path}): unsupported dtype ${h.dtype} for '${name}'`);
    }
  }
  return out;
}

/** One observer case of observers.json. */
export interface ObserverCase {
  id: string;
  observer: string;
  kwargs: Record<string, unknown>;
  inputs_in_order: string[];
  resolved: Record<string, unknown>;
  scale_dtype: string;
  zero_point_dtype: string;
}

/** The observer goldens: cases from the JSON and tensors from the safetensors. */
export function load_observer_goldens(): { cases: ObserverCase[]; tensors: Record<string, Tensor> } {
  const json = JSON.parse(readFileSync(`${GOLDEN_DIR}observers.json`, 'utf8')) as { cases: ObserverCase[] };
  return { cases: json.cases, tensors: read_safetensors(`${GOLDEN_DIR}observers.safetensors`) };
}

/** torch dtype / qscheme strings ('torch.qint8') to fxq names ('qint8'). */
export function torch_name(v: unknown): unknown {
  return typeof v === 'string' && v.startsWith('torch.') ? v.slice('torch.'.length) : v;
}
