/**
 * save_quantized / load_quantized on files (Node): one `.safetensors` file per model (format version 2,
 * see ../quantized_artifact.ts), replaced by a single rename (atomic_replace.ts). load_quantized also reads
 * the version-1 directory (manifest.json + model.ts + weights.safetensors) with the same checks.
 * The readable forward is not written by default: `fxq dump <file>` or `gm.code` prints it, and
 * `{ write_source: true }` writes it beside the file.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphModule } from '../../ir/graph_module.js';
import { load_checked, load_quantized as load_quantized_bytes, serialize_quantized } from '../quantized_artifact.js';
import { replace_file } from './atomic_replace.js';

/** Options of save_quantized. */
export interface SaveQuantizedOptions {
  /** Also write the generated TypeScript forward beside the file (`model.safetensors` → `model.ts`). */
  write_source?: boolean;
}

/** Where `{ write_source: true }` puts the generated forward for model file `path`. */
export function source_path_of(path: string): string {
  return `${path.replace(/\.safetensors$/, '')}.ts`;
}

/**
 * Writes `model` (a convert_fx result) to the single file `path` (conventionally `*.safetensors`),
 * replacing any previous model there in one rename: a reader sees the old model or the new one, never
 * neither. Leftovers of saves killed earlier in the same folder are removed.
 */
export function save_quantized(model: GraphModule, path: string, options: SaveQuantizedOptions = {}): void {
  let is_dir = false;
  try {
    is_dir = statSync(path).isDirectory();
  } catch {
    // absent: created below
  }
  if (is_dir)
    throw new Error(
      `save_quantized ${path}: is a folder (a version-1 artifact?); models are now one file, e.g. '${path}.safetensors'`,
    );
  let bytes: Uint8Array;
  try {
    bytes = serialize_quantized(model);
  } catch (e) {
    throw new Error(`save_quantized ${path}: ${(e as Error).message}`);
  }
  replace_file(path, bytes, 'save_quantized');
  if (options.write_source) replace_file(source_path_of(path), new TextEncoder().encode(model.code), 'save_quantized');
}

function read(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`load_quantized ${path}: cannot read: ${(e as Error).message}`);
  }
}

/** Reads a version-1 directory through the same checks as a version-2 file. */
function load_v1(dir: string): GraphModule {
  const man_path = join(dir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(read(man_path)));
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith('load_quantized') ? msg : `load_quantized ${man_path}: not JSON: ${msg}`);
  }
  const w_path = join(dir, 'weights.safetensors');
  return load_checked(raw, 1, read(w_path), man_path, w_path);
}

/**
 * Loads a model written by save_quantized: a version-2 file path, a version-1 directory, or the bytes of a
 * version-2 file (`source` names bytes in errors). Every check (header, manifest, modules against weight shapes and dtypes, qparam values,
 * graph schema) runs before modules are built. Runs on the current backend.
 */
export function load_quantized(src: string | Uint8Array | ArrayBuffer, source?: string): GraphModule {
  if (typeof src !== 'string') return load_quantized_bytes(src, source);
  let is_dir = false;
  try {
    is_dir = statSync(src).isDirectory();
  } catch (e) {
    throw new Error(`load_quantized ${src}: cannot read: ${(e as Error).message}`);
  }
  return is_dir ? load_v1(src) : load_quantized_bytes(read(src), src);
}
