/**
 * The child process of scripts/fuzz.ts: runs the cases the parent sends (one at a time) and answers with
 * each result and its own peak RSS. A case that hangs or exhausts memory takes this process down; the
 * parent notices, records the case and starts a new worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BaseArtifact, make_base, run_artifact_case } from '../tests/fuzz/artifact_case.js';
import { run_model_case } from '../tests/fuzz/model_pipeline.js';

/** What the parent asks for. */
export type Job = { kind: 'model'; seed: number } | { kind: 'artifact'; seed: number; base: number };

const dir = mkdtempSync(join(tmpdir(), 'fxq-fuzz-worker-'));
const bases = new Map<number, BaseArtifact | null>();
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
// prepare_fx's "kept in float" notes would flood the log: the summary counts outcomes instead
console.warn = () => {};

function base_of(seed: number): BaseArtifact | null {
  if (!bases.has(seed)) bases.set(seed, make_base(seed, dir));
  return bases.get(seed) ?? null;
}

function run(job: Job): unknown {
  if (job.kind === 'model') {
    const r = run_model_case(job.seed);
    return {
      ok: r.ok,
      stage: r.stage,
      message: r.message?.slice(0, 2000),
      sqnr: r.sqnr,
      spec: r.ok ? undefined : r.spec,
    };
  }
  const base = base_of(job.base);
  if (!base) return { skipped: `base model ${job.base} does not pass the model flow` };
  return run_artifact_case(job.seed, base, dir);
}

process.on('message', (job: Job) => {
  let result: unknown;
  try {
    result = run(job);
  } catch (e) {
    // the case runners catch everything they expect; reaching here is a crash of the harness or the library
    result = { harness_error: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e) };
  }
  process.send?.({ job, result, max_rss_kb: process.resourceUsage().maxRSS });
});
process.send?.({ ready: true });
