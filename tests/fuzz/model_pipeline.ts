/**
 * One random model through the whole flow: build → symbolic_trace → prepare_fx → calibrate → convert_fx →
 * forward on js and on wasm, compiled and interpreted (bit-identical) → save_quantized → load_quantized (bit-identical to the
 * pre-save model, on both backends). A failure names its stage, the seed and the spec, so it replays with
 * `npx tsx scripts/fuzz.ts --replay-model <seed>`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load_quantized, save_quantized } from '../../compiler/artifact/node/quantized_file.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { Interpreter } from '../../compiler/ir/interpreter.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { symbolic_trace } from '../../compiler/trace/symbolic_trace.js';
import { set_fp32_numerics } from '../../runtime/backends/fp32_numerics.js';
import { get_backend, set_backend } from '../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../runtime/backends/wasm/index.js';
import { quantize_dynamic } from '../../runtime/eager/quantize_dynamic.js';
import * as nn from '../../runtime/nn/index.js';
import { default_dynamic_qconfig, per_channel_dynamic_qconfig } from '../../runtime/quant/qconfig.js';
import { randn } from '../../runtime/tensor/creation.js';
import { Generator } from '../../runtime/tensor/random.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { FuzzNet, qconfig_dict_of } from './fuzz_net.js';
import { type ModelSpec, random_spec } from './random_model.js';

export type Stage =
  | 'build'
  | 'trace'
  | 'prepare'
  | 'calibrate'
  | 'convert'
  | 'run_js'
  | 'run_wasm'
  | 'js_vs_wasm'
  | 'interpreter'
  | 'save'
  | 'load'
  | 'run_loaded'
  | 'save_vs_load'
  | 'check_inputs';

export interface ModelResult {
  seed: number;
  ok: boolean;
  stage?: Stage;
  message?: string;
  spec: ModelSpec;
  /** the converted model, when convert succeeded (the artifact mutator starts from its save) */
  quantized?: GraphModule;
  /** an input of the checked shape and the js output bits, for comparing reloads */
  input?: Tensor;
  out_bits?: Uint32Array[];
  /** signal-to-quantization-noise ratio (dB) of the int8 outputs against the float model's, all outputs */
  sqnr?: number;
}

/** 10·log10(Σf² / Σ(f − q)²) over every output element (Infinity when equal). */
export function sqnr_db(float_out: Uint32Array[], q_out: Uint32Array[]): number {
  let sig = 0;
  let err = 0;
  float_out.forEach((b, o) => {
    const f = new Float32Array(b.buffer);
    const q = new Float32Array(q_out[o].buffer);
    for (let i = 0; i < f.length; i++) {
      sig += f[i] * f[i];
      err += (f[i] - q[i]) ** 2;
    }
  });
  return 10 * Math.log10(sig / err);
}

/** A reproducer line for a failure: what failed, where, the seed and the spec. */
export function describe_failure(r: ModelResult): string {
  return (
    `model seed ${r.seed} failed at ${r.stage}: ${r.message}\n` +
    `  replay: npx tsx scripts/fuzz.ts --replay-model ${r.seed}\n  spec: ${JSON.stringify(r.spec)}`
  );
}

/** `shape` of normal samples · scale + offset, from a generator seeded by (seed, salt). */
export function random_input(shape: number[], seed: number, salt: number, scale: number, offset: number): Tensor {
  const t = randn(shape, { generator: new Generator((seed * 7919 + salt) >>> 0) });
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = Math.fround(d[i] * scale + offset);
  return t;
}

/** The float32 bits of each output tensor (a tuple gives several). */
export function output_bits(out: unknown): Uint32Array[] {
  const list = Array.isArray(out) ? out : [out];
  return list.map((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`output ${i} is not a Tensor (${String(t)})`);
    const c = t.contiguous();
    const f = Float32Array.from(c.data as Float32Array);
    const bits = new Uint32Array(f.buffer);
    return Object.assign(bits, { shape: c.shape });
  });
}

/** The first difference between two output lists, or null when they are bit-identical (shapes included). */
export function first_bit_diff(a: Uint32Array[], b: Uint32Array[]): string | null {
  if (a.length !== b.length) return `${a.length} outputs vs ${b.length}`;
  for (let o = 0; o < a.length; o++) {
    const sa = (a[o] as Uint32Array & { shape?: number[] }).shape;
    const sb = (b[o] as Uint32Array & { shape?: number[] }).shape;
    if (JSON.stringify(sa) !== JSON.stringify(sb)) return `output ${o}: shape [${sa}] vs [${sb}]`;
    for (let i = 0; i < a[o].length; i++)
      if (a[o][i] !== b[o][i]) {
        const fa = new Float32Array(a[o].buffer)[i];
        const fb = new Float32Array(b[o].buffer)[i];
        return `output ${o} element ${i}: ${fa} vs ${fb}`;
      }
  }
  return null;
}

/** Runs `f` on the named backend and restores the previous one. */
export function on_backend<T>(name: 'js' | 'wasm', f: () => T): T {
  const prev = get_backend().name as 'js' | 'wasm';
  set_backend(name);
  try {
    return f();
  } finally {
    set_backend(prev);
  }
}

/** Whether some batch norm reads a conv's output (prepare_fx folds those pairs into the conv). */
function folds_batch_norm(spec: ModelSpec): boolean {
  return spec.steps.some((s) => s.op === 'batch_norm2d' && spec.steps[s.in - 1]?.op === 'conv2d');
}

function quantize(spec: ModelSpec, model: FuzzNet, example: Tensor, stage: (s: Stage) => void): GraphModule {
  stage('trace');
  const traced = symbolic_trace(model);
  traced.graph.lint();
  const q = spec.quant;
  if (q.mode === 'dynamic' && q.via === 'quantize_dynamic') {
    stage('convert');
    const qc = q.weight === 'per_channel' ? per_channel_dynamic_qconfig : default_dynamic_qconfig;
    return quantize_dynamic(traced, new Map([[nn.Linear, qc]]));
  }
  stage('prepare');
  const prepared = prepare_fx(model, qconfig_dict_of(spec), [example], null, { warn: false });
  stage('calibrate');
  set_fp32_numerics(spec.calib.numerics ?? 'fast');
  try {
    calibrate(spec, model, prepared);
  } finally {
    set_fp32_numerics('fast');
  }
  stage('convert');
  const opts = spec.convert ?? { fold_clamps: false, check_inputs: false };
  const converted = convert_fx(prepared, { warn: false, ...opts });
  if (opts.fold_clamps) {
    // folding is documented bit-identical: the unfolded conversion must give the same bits
    const x = random_input(spec.input, spec.seed, 300, spec.calib.scale, spec.calib.offset);
    const plain = convert_fx(prepared, { warn: false, check_inputs: opts.check_inputs });
    const d = first_bit_diff(output_bits(plain.forward(x)), output_bits(converted.forward(x)));
    if (d) throw new Error(`fold_clamps changed the output: ${d}`);
  }
  return converted;
}

function calibrate(spec: ModelSpec, model: FuzzNet, prepared: GraphModule): void {
  for (let b = 0; b < spec.calib.batches; b++) {
    const x = random_input(spec.input, spec.seed, b, spec.calib.scale, spec.calib.offset);
    const observed = output_bits(prepared.forward(x));
    // observers pass values through: the observed model computes the float model's bits, except where
    // prepare folded a batch norm into the conv before it (other weights, other rounding)
    if (b === 0 && !folds_batch_norm(spec)) {
      const d = first_bit_diff(output_bits(model.forward(x)), observed);
      if (d) throw new Error(`observed model ≠ float model: ${d}`);
    }
  }
}

/**
 * Runs the seed's model through the flow. `keep_dir` (a directory) keeps the artifact at
 * `<keep_dir>/model.safetensors` for the mutator; otherwise it is written to a temp dir and removed.
 */
export function run_model_case(seed: number, keep_dir?: string): ModelResult {
  return run_spec_case(random_spec(seed), keep_dir);
}

/** run_model_case for a given spec (hand-written ones in the tests). */
export function run_spec_case(spec: ModelSpec, keep_dir?: string): ModelResult {
  load_wasm_backend();
  const seed = spec.seed;
  const res: ModelResult = { seed, ok: false, spec };
  let stage: Stage = 'build';
  const dir = keep_dir ?? mkdtempSync(join(tmpdir(), 'fxq-fuzz-'));
  try {
    return on_backend('js', () => {
      const model = new FuzzNet(spec).eval();
      const example = random_input(spec.input, seed, 100, spec.calib.scale, spec.calib.offset);
      const qm = quantize(spec, model, example, (s) => {
        stage = s;
      });
      res.quantized = qm;
      const x = random_input(
        [spec.check.batch, ...spec.input.slice(1)],
        seed,
        200,
        spec.check.scale,
        spec.check.offset,
      );
      res.input = x;
      stage = 'run_js';
      const js = output_bits(qm.forward(x));
      res.out_bits = js;
      res.sqnr = sqnr_db(output_bits(model.forward(x)), js);
      // the Interpreter (node by node, the fallback where code generation is not allowed) must agree too
      stage = 'interpreter';
      const d0 = first_bit_diff(js, output_bits(new Interpreter(qm).run(x)));
      if (d0) throw new Error(`compiled forward ≠ Interpreter: ${d0}`);
      stage = 'run_wasm';
      const wasm = on_backend('wasm', () => output_bits(qm.forward(x)));
      stage = 'js_vs_wasm';
      const d1 = first_bit_diff(js, wasm);
      if (d1) throw new Error(`js ≠ wasm: ${d1}`);
      stage = 'save';
      const path = join(dir, 'model.safetensors');
      save_quantized(qm, path);
      stage = 'load';
      const loaded = load_quantized(path);
      stage = 'run_loaded';
      const lj = output_bits(loaded.forward(x));
      const lw = on_backend('wasm', () => output_bits(loaded.forward(x)));
      stage = 'save_vs_load';
      const d2 = first_bit_diff(js, lj) ?? first_bit_diff(js, lw);
      if (d2) throw new Error(`loaded ≠ saved: ${d2}`);
      const eager = spec.quant.mode === 'dynamic' && spec.quant.via === 'quantize_dynamic'; // no convert_fx
      if (spec.convert?.check_inputs && !eager) {
        // the saved input check still refuses a NaN after loading, with an Error
        stage = 'check_inputs';
        const bad = x.clone();
        (bad.data as Float32Array)[bad.numel() >> 1] = Number.NaN;
        let refused: unknown = null;
        try {
          loaded.forward(bad);
        } catch (e) {
          refused = e;
        }
        if (!(refused instanceof Error) || refused.constructor !== Error)
          throw new Error(`check_inputs: a NaN input was not refused with an Error (got ${String(refused)})`);
      }
      res.ok = true;
      return res;
    });
  } catch (e) {
    res.stage = stage;
    res.message = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    return res;
  } finally {
    if (!keep_dir) rmSync(dir, { recursive: true, force: true });
  }
}
