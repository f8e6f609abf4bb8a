/**
 * The long atomicity run of issue 13: `npx tsx scripts/artifact_atomic.ts [--kills 60] [--loads 2500]`.
 * Kills a child re-saving a model over a target at random moments (4 at a time, each in its own folder)
 * and checks the target loads as the old or the new model and the next save leaves no temp file; then
 * loads a target again and again while a child re-saves it. Prints the counts; exits 1 on any failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { kill_rounds, reader_loads } from '../tests/compiler/artifact_atomic_helpers.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const dir = mkdtempSync(join(tmpdir(), 'fxq-atomic-run-'));
try {
  const t0 = performance.now();
  const k = await kill_rounds(join(dir, 'kills'), arg('kills', 60), 4);
  const t1 = performance.now();
  const r = await reader_loads(join(dir, 'reader'), arg('loads', 2500));
  const t2 = performance.now();
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, folder ${tmpdir()}`);
  console.log(
    `kills: ${k.kills} (target loaded as old model A ${k.loaded_a}, new model B ${k.loaded_b}); temp files right after a kill: ${k.leftovers_after_kill}; after the next save: ${k.leftovers_after_next_save}; failures ${k.failures.length} — ${((t1 - t0) / 1000).toFixed(1)} s`,
  );
  console.log(
    `reader: ${r.loads} loads while a child re-saved (model A ${r.a}, B ${r.b}, ${r.saves_seen} changes seen); failures ${r.failures.length} — ${((t2 - t1) / 1000).toFixed(1)} s`,
  );
  for (const f of [...k.failures, ...r.failures].slice(0, 20)) console.log(`  FAIL ${f}`);
  process.exitCode = k.failures.length + r.failures.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
