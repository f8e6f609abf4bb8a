import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `bytes` to `path` atomically: a temp file in the same directory, then rename.
 * A reader (or a crash) never sees a half-written file; the temp name ends in `.tmp` (git-ignored).
 * Missing parent directories are created.
 */
export function write_file_atomic(path: string, bytes: Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  // same directory as the target, so rename never crosses a file system
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`write ${path}: ${(e as Error).message}`);
  }
}
