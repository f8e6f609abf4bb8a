/** safetensors from and to file paths (Node only; the byte-level format is in ../safetensors.ts). */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Tensor } from '../../tensor/tensor.js';
import { parse_safetensors, type SafetensorsContents, serialize_safetensors } from '../safetensors.js';
import { read_safetensors_header, type SafetensorsHeader, type SafetensorsMetadata } from '../safetensors_header.js';
import { write_file_atomic } from './atomic.js';

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

/**
 * Reads and validates only the header of a .safetensors file (the data section is never read), so a
 * caller can check shapes and dtypes before allocating anything. Offsets are checked against the file size.
 */
export function load_safetensors_header(path: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`safetensors ${path}: cannot read file: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const len = new Uint8Array(8);
    readSync(fd, len, 0, Math.min(8, size), 0);
    // validates the length field against the file size before reading the header it announces
    const header_len = Number(new DataView(len.buffer).getBigUint64(0, true));
    const want = size >= 8 && header_len <= size - 8 ? 8 + header_len : Math.min(8, size);
    const head = new Uint8Array(want);
    readSync(fd, head, 0, want, 0);
    return read_safetensors_header(head, path, size);
  } finally {
    closeSync(fd);
  }
}

/** Saves tensors (and optional string metadata) to a .safetensors file, atomically (see write_file_atomic). */
export function save_safetensors(tensors: Record<string, Tensor>, path: string, metadata?: SafetensorsMetadata): void {
  write_file_atomic(path, serialize_safetensors(tensors, metadata));
}
