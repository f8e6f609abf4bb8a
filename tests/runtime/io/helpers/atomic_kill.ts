/**
 * Kills writers of write_file_atomic at random moments and checks the target after each kill: it is
 * always a complete version (1 MiB of one byte value), and the next write to the folder removes the
 * dead writer's temp file. Used by atomic.test.ts (a few kills) and scripts/atomic_kill.ts (many).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ATOMIC_TEMP_PATTERN, write_file_atomic } from '../../../../runtime/io/index.js';

const child_script = join(import.meta.dirname, 'atomic_writer_child.ts');

/** The version held by a file, or an error describing what is wrong with it. */
export function check_version(path: string): number {
  const b = readFileSync(path);
  if (b.length !== 1024 * 1024) throw new Error(`${path}: ${b.length} bytes, expected 1 MiB`);
  if (!b.every((x) => x === b[0])) throw new Error(`${path}: mixed bytes (a partial or interleaved write)`);
  return b[0];
}

export function temp_files(dir: string): string[] {
  return readdirSync(dir).filter((f) => ATOMIC_TEMP_PATTERN.test(f));
}

function start_writer(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', child_script, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
  });
}

export interface KillStats {
  kills: number;
  /** kills after which the dead writer's temp file was left in the folder */
  leftovers_seen: number;
  /** reads of the target by this process while a writer was running: all complete versions */
  reads: number;
}

/** `kills` rounds of: start a writer, read the target while it runs, SIGKILL it after a random delay, check. */
export async function kill_writers(dir: string, kills: number, max_delay_ms = 300): Promise<KillStats> {
  const target = join(dir, 'model.bin');
  const stats: KillStats = { kills: 0, leftovers_seen: 0, reads: 0 };
  for (let k = 0; k < kills; k++) {
    const child = await start_writer(target);
    const until = Date.now() + Math.random() * max_delay_ms;
    while (Date.now() < until) {
      check_version(target);
      stats.reads++;
      await new Promise((r) => setImmediate(r));
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    stats.kills++;
    check_version(target);
    if (temp_files(dir).length > 0) stats.leftovers_seen++;
    // the next write to the folder (another file here) removes the dead writer's temp file
    write_file_atomic(join(dir, 'other.bin'), new Uint8Array([k]));
    const left = temp_files(dir);
    if (left.length) throw new Error(`temp files left after the next write: ${left.join(', ')}`);
  }
  return stats;
}
