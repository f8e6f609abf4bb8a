import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ATOMIC_TEMP_PATTERN, clean_atomic_leftovers, write_file_atomic } from '../../../runtime/io/index.js';
import { check_version, kill_writers, temp_files } from './helpers/atomic_kill.js';

const root = mkdtempSync(join(tmpdir(), 'fxq-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has exited (so no longer running). */
function dead_pid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

describe('write_file_atomic', () => {
  it('replaces the target and leaves no temp file; a failure names the path and keeps the old file', () => {
    const dir = mkdtempSync(join(root, 'a-'));
    const p = join(dir, 'sub', 'f.bin');
    write_file_atomic(p, new Uint8Array([1, 2]));
    write_file_atomic(p, new Uint8Array([3]));
    expect([...readFileSync(p)]).toEqual([3]);
    expect(temp_files(join(dir, 'sub'))).toEqual([]);
    expect(() => write_file_atomic(join(dir, 'sub'), new Uint8Array([1]))).toThrow(/^write .*sub: /);
    expect(temp_files(dir)).toEqual([]);
  });

  it('the temp-name pattern is documented and matches its own temp files only', () => {
    expect(ATOMIC_TEMP_PATTERN.test(`.model.safetensors.${process.pid}.0a1b2c3d.tmp`)).toBe(true);
    expect(ATOMIC_TEMP_PATTERN.test('model.safetensors')).toBe(false);
    expect(ATOMIC_TEMP_PATTERN.test('.model.tmp')).toBe(false);
    expect(ATOMIC_TEMP_PATTERN.test('.x.12.0A1B2C3D.tmp')).toBe(false);
  });

  it("the next write removes dead writers' temp files, and keeps live writers' and other files", () => {
    const dir = mkdtempSync(join(root, 'b-'));
    const dead = `.m.bin.${dead_pid()}.deadbeef.tmp`;
    const live = `.m.bin.${process.pid}.0badf00d.tmp`;
    const stale_live = `.m.bin.${process.pid}.00000001.tmp`;
    for (const f of [dead, live, stale_live, 'keep.tmp', '.keep.tmp']) writeFileSync(join(dir, f), 'x');
    // over a day old: a leftover even though the pid runs (the pid was reused)
    const old = (Date.now() - 25 * 3600 * 1000) / 1000;
    utimesSync(join(dir, stale_live), old, old);
    write_file_atomic(join(dir, 'other.bin'), new Uint8Array([1]));
    expect(temp_files(dir).sort()).toEqual([live]);
    expect(clean_atomic_leftovers(dir)).toEqual([]);
    expect(readFileSync(join(dir, 'keep.tmp'), 'utf8')).toBe('x');
    expect(readFileSync(join(dir, '.keep.tmp'), 'utf8')).toBe('x');
  });

  it('writers killed with SIGKILL at random moments: the target is always a whole version; no leftovers after the next write', async () => {
    const dir = mkdtempSync(join(root, 'kill-'));
    const stats = await kill_writers(dir, 4, 400);
    expect(stats.kills).toBe(4);
    expect(stats.reads).toBeGreaterThan(0);
    expect(check_version(join(dir, 'model.bin'))).toBeGreaterThan(0);
  }, 60_000);
});
