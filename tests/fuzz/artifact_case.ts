/**
 * One mutated-artifact case: mutate a saved model (mutate_artifact.ts), load it, run it, and classify —
 *   clear_error    load threw an Error whose message names the file
 *   identical      loaded; the output equals the unmutated model's bit for bit
 *   different      loaded; the output differs: `why` says what the format could not detect (weight bytes, a
 *                  changed but valid manifest value); `suspect` marks loads that should have been refused
 *                  (a qparam out of its range, a wrong dtype)
 *   forward_error  loaded, and forward refused the input with a plain Error (a shape the mutated graph rejects)
 *   crash          any other exception type (TypeError, RangeError, …), or a message naming no file
 * Hangs and out-of-memory are caught by scripts/fuzz.ts, which runs cases in a child process.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { load_quantized } from '../../compiler/artifact/node/quantized_file.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { first_bit_diff, output_bits, run_model_case } from './model_pipeline.js';
import { type ArtifactFiles, type Mutation, mutate_artifact, read_artifact } from './mutate_artifact.js';
import { Rng } from './random_model.js';

export type Outcome = 'clear_error' | 'identical' | 'different' | 'forward_error' | 'crash' | 'hang' | 'oom';

/** A saved model to mutate, with the input and output bits it gave before saving. */
export interface BaseArtifact {
  seed: number;
  files: ArtifactFiles;
  input: Tensor;
  out_bits: Uint32Array[];
}

export interface ArtifactCaseResult {
  case_seed: number;
  base_seed: number;
  outcome: Outcome;
  mutation: Mutation;
  message?: string;
  why?: string;
  suspect?: boolean;
}

/** Saves the model of `seed` under `dir` and reads it back as bytes (null if that model fails the flow). */
export function make_base(seed: number, dir: string): BaseArtifact | null {
  const keep = join(dir, `base_${seed}`);
  mkdirSync(keep, { recursive: true });
  const r = run_model_case(seed, keep);
  if (!r.ok || !r.input || !r.out_bits) return null;
  return { seed, files: read_artifact(join(keep, 'model.safetensors')), input: r.input, out_bits: r.out_bits };
}

/** Writes an artifact's files as `<dir>/<name>.safetensors` (one file) or a directory of files. */
export function write_artifact(files: ArtifactFiles, dir: string, name: string): string {
  if (files.has('')) {
    const path = join(dir, `${name}.safetensors`);
    writeFileSync(path, files.get('') as Uint8Array);
    return path;
  }
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  for (const [f, b] of files) writeFileSync(join(path, f), b);
  return path;
}

// the engine's own error types mean a check is missing (a property read of undefined, a bad allocation, …);
// Error and the project's subclasses (GraphJsonError, …) are deliberate
const BUILTIN_ERRORS = new Set(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError']);
const deliberate = (e: unknown): e is Error => e instanceof Error && !BUILTIN_ERRORS.has(e.constructor.name);

function is_clear(e: unknown, path: string): boolean {
  return deliberate(e) && e.message.includes(basename(path));
}

/** A loaded scale that is not a positive finite number, or a zero point outside the int8 / uint8 range. */
function invalid_qparam(model: { state_dict(): Record<string, Tensor> }): string | null {
  for (const [k, t] of Object.entries(model.state_dict())) {
    const vals = Array.from(t.data as ArrayLike<number | bigint>, Number);
    if (/scale(_\d+)?$/.test(k) && vals.some((v) => !(Number.isFinite(v) && v > 0))) return `${k} = ${vals}`;
    if (/zero_point(_\d+)?$/.test(k) && vals.some((v) => !(Number.isInteger(v) && v >= -128 && v <= 255)))
      return `${k} = ${vals}`;
  }
  return null;
}

/**
 * Why a loaded artifact gave another output. Undetectable without a checksum or a reference output: weight
 * bytes, data_offsets pointing at other bytes of the right size, and manifest edits that still form a valid
 * model (another number, another existing name, an option back to its default). Suspect — a loader should
 * have refused: an invalid qparam that got in, or a header dtype / shape / key edit that loaded.
 */
function explain_difference(m: Mutation, bad_qparam: string | null): { why: string; suspect: boolean } {
  if (bad_qparam) return { why: `loaded an invalid qparam (${bad_qparam})`, suspect: true };
  if (m.region === 'st_data')
    return { why: `weight bytes of ${m.tensor ?? '?'} (no checksum in the format)`, suspect: false };
  if (m.region === 'manifest') return { why: `the manifest still describes a valid model (${m.what})`, suspect: false };
  if (m.region === 'st_header' && m.kind === 'offsets')
    return { why: `data_offsets moved to other bytes of the right size (${m.what})`, suspect: false };
  return { why: `${m.region} ${m.kind}: ${m.what}`, suspect: true };
}

/** Runs case `case_seed` against `base`, writing under `dir` (removed afterwards). */
export function run_artifact_case(case_seed: number, base: BaseArtifact, dir: string): ArtifactCaseResult {
  const r = new Rng(case_seed);
  const { files, m } = mutate_artifact(r, base.files);
  const res: ArtifactCaseResult = { case_seed, base_seed: base.seed, outcome: 'crash', mutation: m };
  const path = write_artifact(files, dir, `case_${case_seed}`);
  try {
    let model: ReturnType<typeof load_quantized>;
    try {
      model = load_quantized(path);
    } catch (e) {
      res.message = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
      res.outcome = is_clear(e, path) ? 'clear_error' : 'crash';
      return res;
    }
    let out: Uint32Array[];
    try {
      out = output_bits(model.forward(base.input));
    } catch (e) {
      res.message = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
      res.outcome = deliberate(e) ? 'forward_error' : 'crash';
      // a forward that refuses a qparam the loader let through is a validation miss
      const bad = invalid_qparam(model);
      if (bad) Object.assign(res, { why: `loaded an invalid qparam (${bad})`, suspect: true });
      return res;
    }
    if (first_bit_diff(base.out_bits, out) === null) {
      res.outcome = 'identical';
      return res;
    }
    res.outcome = 'different';
    Object.assign(res, explain_difference(m, invalid_qparam(model)));
    return res;
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

/** A reproducer line for a bad case. */
export function describe_case(c: ArtifactCaseResult): string {
  return (
    `artifact case ${c.case_seed} (base model seed ${c.base_seed}): ${c.outcome}${c.why ? ` — ${c.why}` : ''}\n` +
    `  mutation: ${c.mutation.file || '<file>'} ${c.mutation.region} ${c.mutation.kind}: ${c.mutation.what.slice(0, 200)}\n` +
    `  message: ${(c.message ?? '').slice(0, 300)}\n` +
    `  replay: npx tsx scripts/fuzz.ts --replay-artifact ${c.case_seed} --base ${c.base_seed}`
  );
}
