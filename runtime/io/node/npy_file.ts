/** Node-side .npy io: load_npy(path) / save_npy(t, path) around the browser-safe parse_npy / serialize_npy. */
import { readFileSync } from 'node:fs';
import type { Tensor } from '../../tensor/tensor.js';
import { parse_npy, serialize_npy } from '../npy.js';
import { write_file_atomic } from './atomic.js';

/** Reads a .npy file into a tensor; errors name the file. */
export function load_npy(path: string): Tensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`npy ${path}: cannot read file: ${(e as Error).message}`);
  }
  return parse_npy(bytes, path);
}

/** Writes `t` as a .npy file (atomically). */
export function save_npy(t: Tensor, path: string): void {
  write_file_atomic(path, serialize_npy(t));
}
