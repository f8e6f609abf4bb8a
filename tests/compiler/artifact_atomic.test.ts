/**
 * save_quantized replaces a model with one rename: a saver SIGKILLed at random moments always leaves a
 * target that loads as the old or the new model, and the next save removes the killed save's temp
 * file; a reader loading while another process re-saves never fails. Short counts here (the machine is
 * shared); scripts/artifact_atomic.ts runs the counts (≥ 50 kills, ≥ 2,000 loads).
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { remove_leftovers } from '../../compiler/artifact/node/index.js';
import { kill_rounds, reader_loads } from './artifact_atomic_helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('save_quantized is atomic', () => {
  it('8 random SIGKILLs of a re-saving child: the target is always model A or B; no leftovers after the next save', async () => {
    const r = await kill_rounds(join(dir, 'kills'), 8, 4);
    expect(r.failures).toEqual([]);
    expect(r.kills).toBe(8);
    expect(r.loaded_a + r.loaded_b).toBe(8);
    expect(r.leftovers_after_next_save).toBe(0);
  }, 120_000);

  it('400 loads while another process re-saves: none fails', async () => {
    const r = await reader_loads(join(dir, 'reader'), 400);
    expect(r.failures).toEqual([]);
    expect(r.a + r.b).toBe(400);
  }, 120_000);

  it('removes temp files of dead processes and old ones, keeps a live young one', () => {
    const d = mkdtempSync(join(dir, 'leftovers-'));
    const name = 'm.safetensors';
    const dead = `.${name}.999999999.0123abcd.tmp`; // no such pid
    const dead_v1 = `.${name}.999999999.0123abcd.tmp.old`;
    const live_young = `.${name}.${process.ppid}.0123abce.tmp`;
    const live_old = `.${name}.${process.ppid}.0123abcf.tmp`;
    const other = '.other.safetensors.999999999.0123abcd.tmp';
    for (const f of [dead, dead_v1, live_young, live_old, other, name]) writeFileSync(join(d, f), '');
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(d, live_old), old, old);
    expect(remove_leftovers(d, name).sort()).toEqual([dead, dead_v1, live_old].sort());
    expect(readdirSync(d).sort()).toEqual([live_young, other, name].sort());
  });
});
