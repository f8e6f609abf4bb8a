/**
 * The bounded artifact fuzz run of `npm test`: 300 mutations (tests/fuzz/mutate_artifact.ts) of saved
 * random models, each loaded and run: every case must end in a clear Error naming the file, an identical
 * output, or a different output the format cannot detect — never a crash (an engine error type, or an
 * error naming no file). Hangs and memory are watched by the long run (`npm run fuzz`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ArtifactCaseResult,
  type BaseArtifact,
  describe_case,
  make_base,
  run_artifact_case,
} from './artifact_case.js';
import { mutate_artifact } from './mutate_artifact.js';
import { Rng } from './random_model.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-fuzz-artifacts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bases = [1, 2, 3, 9, 19, 20, 54].map((s) => make_base(s, dir)).filter((b): b is BaseArtifact => b !== null);

describe('mutated artifacts', () => {
  it('the base models save and reload', () => {
    expect(bases.length).toBe(7);
  });

  it('mutations are a pure function of the seed and touch every part of the file(s)', () => {
    const a = mutate_artifact(new Rng(42), bases[0].files);
    const b = mutate_artifact(new Rng(42), bases[0].files);
    expect(a.m).toEqual(b.m);
    expect([...a.files.values()]).toEqual([...b.files.values()]);
    const regions = new Set(
      Array.from({ length: 200 }, (_, i) => mutate_artifact(new Rng(i), bases[0].files).m.region),
    );
    for (const r of ['st_length', 'st_header', 'st_data', 'manifest']) expect(regions).toContain(r);
  });

  it('300 mutated files: no crash, every changed output explained', () => {
    const results: ArtifactCaseResult[] = [];
    for (let c = 0; c < 300; c++) results.push(run_artifact_case(c, bases[c % bases.length], dir));
    const count = (o: string) => results.filter((r) => r.outcome === o).length;
    const bad = results.filter((r) => r.outcome === 'crash' || (r.outcome === 'different' && r.suspect));
    expect(bad.map(describe_case)).toEqual([]);
    // the run exercises both sides: files refused with a clear error, and files that load
    expect(count('clear_error')).toBeGreaterThan(50);
    expect(count('identical') + count('different')).toBeGreaterThan(20);
  });
});
