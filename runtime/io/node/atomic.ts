/**
 * Atomic file replacement (Node only): a reader, or a crash at any moment, sees the old file or the new
 * one, never a partial one and never no file.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Temp files are named `.<target name>.<writer pid>.<8 hex digits>.tmp`, in the target's folder
 * (git-ignored by `*.tmp`). This matches them and captures the pid.
 */
export const ATOMIC_TEMP_PATTERN = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** A temp file whose writer is alive but which is older than this is a leftover too (the pid was reused). */
const STALE_MS = 24 * 3600 * 1000;

const escape_re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The temp names of writes to one target `name`; `.tmp.old` also matches: the folders version-1 model
 * saves moved aside, named the same way.
 */
export function atomic_temp_pattern(name: string): RegExp {
  return new RegExp(`^\\.${escape_re(name)}\\.(\\d+)\\.[0-9a-f]{8}\\.tmp(?:\\.old)?$`);
}

/** Which leftovers clean_atomic_leftovers removes. */
export interface LeftoverOptions {
  /** Only the temp files of writes to this target name (default: any target's). */
  name?: string;
  /** A live writer's temp file older than this is a leftover too (default a day). */
  stale_ms?: number;
  now?: number;
}

function pid_alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files of killed writers from `dir` (names matching ATOMIC_TEMP_PATTERN, or
 * atomic_temp_pattern(name), whose pid is not running, or older than `stale_ms`); the temp files of live
 * writers are left alone. Returns the names removed.
 */
export function clean_atomic_leftovers(dir: string, options: LeftoverOptions = {}): string[] {
  const pattern = options.name === undefined ? ATOMIC_TEMP_PATTERN : atomic_temp_pattern(options.name);
  const stale_ms = options.stale_ms ?? STALE_MS;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const now = options.now ?? Date.now();
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const p = join(dir, name);
    try {
      if (pid_alive(Number(m[1])) && now - statSync(p).mtimeMs < stale_ms) continue;
      rmSync(p, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // raced with its writer finishing (renamed away) or another cleaner: nothing to do
    }
  }
  return removed;
}

function fsync_dir(dir: string): void {
  // makes the rename itself durable; directories cannot be opened this way on Windows, where rename is enough
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
}

/**
 * Writes `bytes` to `path` atomically: a unique temp file in the same folder (so the rename never
 * crosses a file system), written in full and fsynced, then renamed over `path` (one rename: no window
 * without a file), then the folder is fsynced. Leftovers of writers killed mid-write in that folder are
 * removed first (see clean_atomic_leftovers). Missing parent folders are created.
 */
export function write_file_atomic(path: string, bytes: Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  clean_atomic_leftovers(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      let off = 0;
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`write ${path}: ${(e as Error).message}`);
  }
  fsync_dir(dir);
}
