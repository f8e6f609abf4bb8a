/**
 * Replaces a model file with one rename, never leaving a moment where it is missing or partial: runtime/io's
 * write_file_atomic (temp file `.<name>.<pid>.<8 hex>.tmp` in the same folder, fsync'd, renamed over the
 * target, folder fsync'd). A save killed mid-way leaves only such a temp file; the next save of the same name
 * removes those of dead processes and any older than a minute (a save is synchronous and short, so a reused
 * pid cannot protect a leftover for long). Version-1 artifacts left `.<name>.<pid>.<hex>.tmp` folders and
 * `….tmp.old` folders with the same naming; they are removed the same way.
 */
import { basename, dirname } from 'node:path';
import { atomic_temp_pattern, clean_atomic_leftovers, write_file_atomic } from '../../../runtime/io/node/atomic.js';

/** A leftover older than this is removed whatever its pid. */
export const LEFTOVER_AGE_MS = 60_000;

/** The pattern of temp names `replace_file(path)` writes (and removes when left over). */
export const temp_pattern = atomic_temp_pattern;

/** Removes leftovers of killed saves of `name` in `dir`; returns the names removed. */
export function remove_leftovers(dir: string, name: string, now = Date.now()): string[] {
  return clean_atomic_leftovers(dir, { name, stale_ms: LEFTOVER_AGE_MS, now });
}

/** Writes `bytes` to `path` through one rename (see the header); `what` prefixes errors. */
export function replace_file(path: string, bytes: Uint8Array, what: string): void {
  try {
    remove_leftovers(dirname(path), basename(path));
    write_file_atomic(path, bytes);
  } catch (e) {
    throw new Error(`${what} ${path}: ${(e as Error).message}`);
  }
}
