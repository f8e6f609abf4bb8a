/**
 * Long run of the atomic-write kill test: `tsx scripts/atomic_kill.ts [--kills 50]` starts a writer
 * of write_file_atomic, reads the target while it rewrites, SIGKILLs it at a random moment, checks the
 * target is a whole version and that the next write removes the temp file, `kills` times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kill_writers } from '../tests/runtime/io/helpers/atomic_kill.js';

const at = process.argv.indexOf('--kills');
const kills = at >= 0 ? Number(process.argv[at + 1]) : 50;
const dir = mkdtempSync(join(tmpdir(), 'fxq-atomic-kill-'));
try {
  const t = performance.now();
  const stats = await kill_writers(dir, kills);
  console.log(
    `${stats.kills} kills: target always a whole version; ${stats.leftovers_seen} kills left a temp file, all removed by the next write; ${stats.reads} concurrent reads, none failed (${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
