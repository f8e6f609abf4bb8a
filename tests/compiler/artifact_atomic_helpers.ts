/**
 * The atomicity experiments of artifact_atomic.test.ts and scripts/artifact_atomic.ts:
 *  - kill rounds: a child re-saves models over a target in a loop and is SIGKILLed at a random moment;
 *    the target must then load and be model A or B, and the next save must leave no temp file behind;
 *  - reader: a child re-saves in a loop while this process loads the target again and again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load_quantized, save_quantized } from '../../compiler/artifact/node/index.js';
import { serialize_quantized } from '../../compiler/artifact/quantized_artifact.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { tiny_model } from './artifact_cases.js';

const SAVER = resolve(import.meta.dirname, 'artifact_children/saver.ts');

/** Two different tiny models, saved as A and B files under `dir`, and their bytes. */
export function two_models(dir: string) {
  mkdirSync(dir, { recursive: true });
  const models = [tiny_model(1), tiny_model(2)];
  const bytes = models.map((m) => serialize_quantized(m));
  const files = ['A', 'B'].map((n) => join(dir, `${n}.model`));
  for (const [i, b] of bytes.entries()) writeFileSync(files[i], b);
  return { models, bytes, files };
}

function start_saver(target: string, files: string[]): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['--import', 'tsx', SAVER, target, files[0], files[1]], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let err = '';
    p.stderr?.on('data', (d) => (err += d));
    p.stdout?.once('data', () => ok(p));
    p.once('exit', (code) => fail(new Error(`saver exited ${code} before ready: ${err}`)));
  });
}
function killed(p: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    if (p.exitCode !== null || p.signalCode !== null) return ok();
    p.once('exit', () => ok());
    p.kill('SIGKILL');
  });
}
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the kill rounds saw. */
export interface KillReport {
  kills: number;
  loaded_a: number;
  loaded_b: number;
  /** temp files present right after a kill (the next save removes them) */
  leftovers_after_kill: number;
  /** temp files present after the next save: must be 0 */
  leftovers_after_next_save: number;
  failures: string[];
}

/**
 * `rounds` kills, `parallel` at a time, each in its own folder: old model A saved, a child re-saving B / A
 * started, killed after a random 0..max_delay_ms, then the target checked and A saved over it again.
 */
export async function kill_rounds(
  dir: string,
  rounds: number,
  parallel: number,
  max_delay_ms = 60,
): Promise<KillReport> {
  const { models, bytes, files } = two_models(join(dir, 'models'));
  const r: KillReport = {
    kills: 0,
    loaded_a: 0,
    loaded_b: 0,
    leftovers_after_kill: 0,
    leftovers_after_next_save: 0,
    failures: [],
  };
  const round = async (i: number) => {
    const folder = join(dir, `round_${i}`);
    const target = join(folder, 'model.safetensors');
    save_quantized(models[0], target);
    const p = await start_saver(target, files);
    await sleep(Math.random() * max_delay_ms);
    await killed(p);
    r.kills++;
    try {
      load_quantized(target);
      const now = readFileSync(target);
      if (same(now, bytes[0])) r.loaded_a++;
      else if (same(now, bytes[1])) r.loaded_b++;
      else r.failures.push(`round ${i}: target is neither model A nor B`);
    } catch (e) {
      r.failures.push(`round ${i}: ${(e as Error).message}`);
    }
    r.leftovers_after_kill += readdirSync(folder).filter((f) => f !== 'model.safetensors').length;
    save_quantized(models[0], target);
    const left = readdirSync(folder).filter((f) => f !== 'model.safetensors');
    r.leftovers_after_next_save += left.length;
    if (left.length) r.failures.push(`round ${i}: left after the next save: ${left.join(', ')}`);
  };
  for (let i = 0; i < rounds; i += parallel)
    await Promise.all(Array.from({ length: Math.min(parallel, rounds - i) }, (_, j) => round(i + j)));
  return r;
}

/** What the reader saw. */
export interface ReaderReport {
  loads: number;
  a: number;
  b: number;
  failures: string[];
  saves_seen: number;
}

/** `loads` load_quantized calls on a target a child keeps re-saving; each must give model A or B. */
export async function reader_loads(dir: string, loads: number): Promise<ReaderReport> {
  const { models, files } = two_models(join(dir, 'models'));
  const target = join(dir, 'read', 'model.safetensors');
  save_quantized(models[0], target);
  const fc_of = (m: GraphModule) => Array.from(m.state_dict()['fc.weight'].data as ArrayLike<number>).join(',');
  const [wa, wb] = models.map(fc_of);
  const p = await start_saver(target, files);
  const r: ReaderReport = { loads: 0, a: 0, b: 0, failures: [], saves_seen: 0 };
  let last = '';
  try {
    for (let i = 0; i < loads; i++) {
      r.loads++;
      try {
        const w = fc_of(load_quantized(target));
        if (w === wa) r.a++;
        else if (w === wb) r.b++;
        else r.failures.push(`load ${i}: neither model A nor B`);
        if (w !== last) r.saves_seen++;
        last = w;
      } catch (e) {
        r.failures.push(`load ${i}: ${(e as Error).message}`);
      }
      // let the saver run between loads on a busy machine
      if (i % 50 === 49) await sleep(1);
    }
  } finally {
    await killed(p);
  }
  return r;
}
