/**
 * Replaces a file with one rename, never leaving a moment where it is missing or partial: the bytes go to
 * a temp file in the same folder (`.<name>.<pid>.<8 hex>.tmp`), fsync'd, then renamed over the target; the
 * folder is fsync'd so the rename survives a power cut. A save killed mid-way leaves only such a temp
 * file; the next replace of the same name removes those of dead processes, and any older than a minute
 * (so a reused pid cannot protect a leftover for long). Version-1 artifacts left `.<name>.<pid>.<hex>.tmp`
 * folders and `….tmp.old` folders with the same naming; they are removed the same way.
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

/** A leftover older than this is removed whatever its pid. */
export const LEFTOVER_AGE_MS = 60_000;

const escape_re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pattern of temp names `replace_file(path)` writes (and removes when left over). */
export function temp_pattern(name: string): RegExp {
  return new RegExp(`^\\.${escape_re(name)}\\.(\\d+)\\.[0-9a-f]{8}\\.tmp(?:\\.old)?$`);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // this process is synchronous here: its own temp is a leftover
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes leftovers of killed saves of `name` in `dir`; returns the names removed. */
export function remove_leftovers(dir: string, name: string, now = Date.now()): string[] {
  const re = temp_pattern(name);
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const f of names) {
    const m = re.exec(f);
    if (!m) continue;
    const p = join(dir, f);
    try {
      if (alive(Number(m[1])) && now - statSync(p).mtimeMs < LEFTOVER_AGE_MS) continue;
      rmSync(p, { recursive: true, force: true });
      removed.push(f);
    } catch {
      // raced with its owner finishing (renamed away) or another cleaner: nothing left to do
    }
  }
  return removed;
}

/** Writes `bytes` to `path` through one rename (see the header); `what` prefixes errors. */
export function replace_file(path: string, bytes: Uint8Array, what: string): void {
  const dir = dirname(path);
  const name = basename(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`${what} ${path}: cannot create folder ${dir}: ${(e as Error).message}`);
  }
  remove_leftovers(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off, bytes.byteLength - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`${what} ${path}: ${(e as Error).message}`);
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // some file systems refuse fsync on a folder; the rename itself is already atomic
  }
}
