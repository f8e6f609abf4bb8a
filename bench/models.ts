/**
 * `npm run bench -- models [--models fmnist_cnn,fmnist_resnet,fmnist_mobilenet,fmnist_vit,resnet18,mobilenet_v2] [--batches 1,32]
 *  [--backends js,wasm]
 *  [--threads 1,2] [--quick] [--budget-ms 1000] [--max-call-s 60] [--calib 1000] [--calib-backend wasm] [--onnx DIR] [--out out/bench_models.json]`
 *
 * Model-level latency, single thread, side by side in one run: fxq fp32 and int8 (FX PTQ, qnnpack
 * qconfig) on the js and wasm backends, and onnxruntime-web (wasm EP, 1 thread) on the reference fp32
 * and int8 QDQ ONNX exports and on fxq's own int8 model exported with export_onnx ('ORT-web fxq-int8'),
 * with the ratios fxq/ORT, next to docs/reference/RESULTS.md §5's figures for context.
 * Two tables from the same runs: wall-time medians, and process-CPU-time medians (steadier when other
 * jobs share the VM's two cores; see _capped_timing.ts).
 * Fashion-MNIST models use the trained weights, the first N test images as input and the first
 * --calib training images for calibration; ResNet-18 (3×224×224, default batches 1, 8 and 32) has random
 * weights and is calibrated on 4 random batches of 2 as the reference did (its ONNX weights differ: compare latency only). MobileNetV2
 * (3×224×224, default batches 1 and 8) loads the reference's random weights (reference/weights, next to --onnx)
 * when present, so its logits are compared with the ONNX files' too, and is calibrated the same way.
 * int8 models are converted with fold_clamps (ReLU6 in the conv's requantization; bit-identical outputs).
 * Calibration runs on wasm by default (fast; HistogramObserver qparams move slightly with the fp32
 * backend's summation order — `--calib-backend js` uses the reference kernels, as the demo does).
 * Cells whose estimated call time exceeds --max-call-s (js at 224×224, batch 32) are skipped with the
 * estimate. The table is also written as JSON (default out/bench_models.json).
 * FmnistViT has its own table (bench/_vit_rows.ts): wasm fp32, dynamic int8, static int8 (parity config, and the
 * slot of the opt-in int8-attention config) against onnxruntime-web fp32 on the reference fmnist_vit.onnx.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { export_onnx_bytes } from '../compiler/export/onnx/export.js';
import { image_batch, load_calibration_images, load_test_images } from '../examples/lib/fmnist_data.js';
import { type BackendName, with_backend } from '../examples/lib/latency.js';
import { quantize_ptq } from '../examples/lib/ptq.js';
import { get_example_model } from '../examples/models/index.js';
import { Generator, load_safetensors, type nn, no_grad, randn, type Tensor } from '../index.js';
import { get_backend, set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { write_file_atomic } from '../runtime/io/node/atomic.js';
import { type Cell, estimate, settle, time_capped, time_ort } from './_capped_timing.js';
import { DEFAULT_ONNX_DIR, load_ort, type OrtModule, ort_session, ort_session_from_bytes } from './_ort.js';
import { REFERENCE_LATENCY } from './_reference_latency.js';
import { bench_threads, print_thread_rows, type ThreadRow } from './_threads.js';
import { arg_value, format_ms, has_flag, print_table } from './_util.js';
import { bench_vit, print_vit_rows, type VitRow } from './_vit_rows.js';

const here = dirname(fileURLToPath(import.meta.url));

/** One table row (a model at a batch size), as written to the JSON. */
export interface ModelRow {
  model: string;
  batch: number;
  fxq: Record<string, Cell>;
  /** onnxruntime-web on the reference exports (fp32, int8 QDQ) and on fxq's own int8 model exported to QDQ ONNX. */
  ort: { fp32: Cell; int8: Cell; fxq_int8: Cell };
  /**
   * max |fxq − ORT| over the logits of the same input: reference exports for trained models only (same
   * weights); fxq_int8 always (the export of this very model: 0 when ORT reproduces fxq's integers).
   */
  max_abs_logit_diff: { fp32: number | null; int8: number | null; fxq_int8: number | null };
}

interface Options {
  models: string[];
  batches: number[];
  backends: BackendName[];
  budget_ms: number;
  max_call_ms: number;
  calib: number;
  calib_backend: BackendName;
  onnx_dir: string;
  out: string;
  quick: boolean;
  /** --threads 1,2: also time wasm and ORT-web at these thread counts (bench/_threads.ts). */
  threads: number[];
}

function parse_backend(b: string): BackendName {
  if (b !== 'js' && b !== 'wasm') throw new Error(`bench models: unknown backend '${b}' (js, wasm)`);
  return b;
}

/** Whether --batches was given; otherwise MobileNetV2 runs at its own default batches (1 and 8). */
let batches_given = false;
const DEFAULT_BATCHES: Record<string, number[]> = { mobilenet_v2: [1, 8], resnet18: [1, 8, 32] };

/** The batches of `model` in this run. */
function batches_of(model: string, o: Options): number[] {
  return batches_given ? o.batches : (DEFAULT_BATCHES[model] ?? o.batches);
}

/** reference/weights/<name>.safetensors next to the ONNX directory, when it exists (same weights as the ONNX files). */
function reference_weights(name: string, o: Options): string | null {
  const p = join(o.onnx_dir, '..', 'weights', `${name}.safetensors`);
  return name === 'mobilenet_v2' && existsSync(p) ? p : null;
}

function parse_threads(v: string): number[] {
  const t = v.split(',').map(Number);
  if (t.some((n) => !(Number.isInteger(n) && n > 0)))
    throw new Error(`bench models: --threads must be positive integers, got '${v}'`);
  return t.includes(1) ? t : [1, ...t];
}

function parse(args: string[]): Options {
  const quick = has_flag(args, 'quick');
  const models = (
    arg_value(args, 'models') ?? 'fmnist_cnn,fmnist_resnet,fmnist_mobilenet,fmnist_vit,resnet18,mobilenet_v2'
  ).split(',');
  for (const m of models) get_example_model(m); // unknown names fail here, listing the known ones
  const backends = (arg_value(args, 'backends') ?? 'js,wasm').split(',').map(parse_backend);
  const batches = (arg_value(args, 'batches') ?? '1,32').split(',').map(Number);
  batches_given = arg_value(args, 'batches') !== undefined;
  if (batches.some((b) => !(Number.isInteger(b) && b > 0)))
    throw new Error(`bench models: --batches must be positive integers, got '${arg_value(args, 'batches')}'`);
  return {
    models,
    batches,
    backends,
    budget_ms: Number(arg_value(args, 'budget-ms') ?? (quick ? 300 : 1000)),
    max_call_ms: 1000 * Number(arg_value(args, 'max-call-s') ?? (quick ? 5 : 60)),
    calib: Number(arg_value(args, 'calib') ?? (quick ? 200 : 1000)),
    calib_backend: parse_backend(arg_value(args, 'calib-backend') ?? 'wasm'),
    onnx_dir: arg_value(args, 'onnx') ?? DEFAULT_ONNX_DIR,
    out: resolve(arg_value(args, 'out') ?? join(here, '..', 'out', 'bench_models.json')),
    quick,
    threads: parse_threads(arg_value(args, 'threads') ?? '1'),
  };
}

function max_abs_diff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The model pair under test and how to make its inputs. */
interface Subject {
  name: string;
  trained: boolean;
  /** fxq and the ONNX files hold the same weights: logits are compared. */
  same_weights_as_onnx: boolean;
  fp32: nn.Module;
  int8: nn.Module;
  input(batch: number): Tensor;
  example_inputs: Tensor[];
  quantize_s: number;
}

/** Builds the fp32 model and its int8 counterpart (prepare_fx → calibrate → convert_fx). */
function make_subject(name: string, o: Options): Subject {
  const spec = get_example_model(name);
  const trained = spec.pretrained !== undefined;
  const ref_weights = reference_weights(name, o);
  const fp32 = (trained ? spec.pretrained!() : spec.create()).eval();
  if (ref_weights) fp32.load_state_dict(load_safetensors(ref_weights));
  const t0 = performance.now();
  let input: (b: number) => Tensor;
  let calib_batches: Tensor[];
  if (trained) {
    const test = load_test_images({ limit: Math.max(...batches_of(name, o)) });
    input = (b) => image_batch(test.images, 0, b);
    const calib = load_calibration_images({ limit: o.calib });
    calib_batches = [];
    for (let s = 0; s < o.calib; s += 50) calib_batches.push(image_batch(calib.images, s, Math.min(50, o.calib - s)));
  } else {
    // as the reference: 4 random batches of 2 for calibration, random inputs for timing
    const shape = spec.example_inputs()[0].shape.slice(1);
    const g = new Generator(0);
    calib_batches = Array.from({ length: 4 }, () => randn([2, ...shape], { generator: g }));
    input = (b) => randn([b, ...shape], { generator: new Generator(1) });
  }
  const int8 = with_backend(o.calib_backend, () =>
    quantize_ptq(
      fp32,
      spec.example_inputs(),
      (prepared) => {
        no_grad(() => {
          for (const x of calib_batches) prepared.call(x);
        });
      },
      { convert: { fold_clamps: true } },
    ),
  ).quantized;
  return {
    name,
    trained,
    same_weights_as_onnx: trained || ref_weights !== null,
    fp32,
    int8,
    input,
    example_inputs: spec.example_inputs(),
    quantize_s: (performance.now() - t0) / 1000,
  };
}

const KINDS = ['fp32', 'int8'] as const;

/** Selects `backend` while an async timing runs (with_backend would restore it at the first await). */
async function on_backend<T>(backend: BackendName, fn: () => Promise<T>): Promise<T> {
  if (backend === 'wasm') load_wasm_backend();
  const prev = get_backend().name;
  set_backend(backend);
  try {
    return await fn();
  } finally {
    set_backend(prev);
  }
}

/** Which cell is running, redrawn in place on a terminal (nothing in logs and pipes). */
function status(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
}

/** An ORT session on fxq's own int8 export, or null (with the reason) when export_onnx cannot export the model. */
async function export_session(ort: OrtModule, sub: Subject) {
  let bytes: Uint8Array;
  try {
    bytes = export_onnx_bytes(sub.int8, sub.example_inputs);
  } catch (e) {
    console.log(`${sub.name}: export_onnx failed, no 'ORT-web fxq-int8' cell (${(e as Error).message.split('\n')[0]})`);
    return null;
  }
  return ort_session_from_bytes(ort, bytes, `${sub.name} fxq export`);
}

async function bench_subject(sub: Subject, ort: OrtModule | null, o: Options): Promise<ModelRow[]> {
  const sess = {
    fp32: ort ? await ort_session(ort, join(o.onnx_dir, `${sub.name}.onnx`)) : null,
    int8: ort ? await ort_session(ort, join(o.onnx_dir, `${sub.name}_qdq.onnx`)) : null,
    // fxq's own int8 model through export_onnx (QDQ): the deployment path the export exists for
    fxq_int8: ort ? await export_session(ort, sub) : null,
  };
  // let V8 finish compiling onnxruntime's wasm in the background before anything is timed
  if (sess.fp32 || sess.int8 || sess.fxq_int8) await settle();
  const rows: ModelRow[] = [];
  const batches = [...batches_of(sub.name, o)].sort((a, b) => a - b);
  for (const b of batches) {
    const prev = rows[rows.length - 1];
    const est = (c: Cell | undefined) => (prev ? estimate(c, prev.batch, b) : null);
    const x = sub.input(b);
    const data = x.data as Float32Array;
    const row: ModelRow = {
      model: sub.name,
      batch: b,
      fxq: {},
      ort: { fp32: { median_ms: null }, int8: { median_ms: null }, fxq_int8: { median_ms: null } },
      max_abs_logit_diff: { fp32: null, int8: null, fxq_int8: null },
    };
    for (const kind of KINDS) {
      const model = kind === 'fp32' ? sub.fp32 : sub.int8;
      for (const be of o.backends) {
        const key = `${kind}_${be}`;
        status(`  ${sub.name} b${b} fxq ${kind} ${be} …`);
        row.fxq[key] = await on_backend(be, () =>
          time_capped(() => no_grad(() => model.call(x)), est(prev?.fxq[key]), o),
        );
      }
      status(`  ${sub.name} b${b} ORT ${kind} …`);
      row.ort[kind] = await time_ort(sess[kind], data, x.shape, est(prev?.ort[kind]), o);
      const runner = sess[kind];
      if (sub.same_weights_as_onnx && runner) {
        // same weights: fxq's logits against ORT's on the same images (last backend)
        const got = with_backend(o.backends[o.backends.length - 1], () =>
          no_grad(() => (model.call(x) as Tensor).data),
        );
        row.max_abs_logit_diff[kind] = max_abs_diff(await runner.run(data, x.shape), got);
      }
    }
    status(`  ${sub.name} b${b} ORT fxq-export int8 …`);
    row.ort.fxq_int8 = await time_ort(sess.fxq_int8, data, x.shape, est(prev?.ort.fxq_int8), o);
    if (sess.fxq_int8) {
      const got = with_backend(o.backends[o.backends.length - 1], () =>
        no_grad(() => (sub.int8.call(x) as Tensor).data),
      );
      row.max_abs_logit_diff.fxq_int8 = max_abs_diff(await sess.fxq_int8.run(data, x.shape), got);
    }
    status('');
    rows.push(row);
  }
  return rows;
}

type Field = 'median_ms' | 'cpu_ms';

function ms(c: Cell | undefined, f: Field): string {
  const v = c?.[f];
  if (v == null) return c?.skipped ? 'skip' : '—';
  return format_ms(v);
}

function ratio(a: Cell | undefined, b: Cell | undefined, f: Field): string {
  const x = a?.[f];
  const y = b?.[f];
  if (!x || !y) return '—';
  return `${(x / y).toFixed(2)}x`;
}

/** One table of `f` (wall median or CPU median): the timings, fxq/ORT ratios and int8 speed-ups. */
function timing_table(rows: ModelRow[], o: Options, f: Field, with_diff: boolean): void {
  const headers = [
    'model',
    'batch',
    ...KINDS.flatMap((k) => o.backends.map((be) => `fxq ${k} ${be}`)),
    'ORT-web fp32',
    'ORT-web int8',
    'ORT-web fxq-int8',
    ...o.backends.flatMap((be) => [`fp32 ${be}/ORT`, `int8 ${be}/ORT`]),
    ...o.backends.map((be) => `${be} fp32/int8`),
    ...(with_diff ? ['max|Δ| fp32', 'max|Δ| int8', 'max|Δ| fxq-int8'] : []),
  ];
  const body = rows.map((r) => [
    r.model,
    r.batch,
    ...KINDS.flatMap((k) => o.backends.map((be) => ms(r.fxq[`${k}_${be}`], f))),
    ms(r.ort.fp32, f),
    ms(r.ort.int8, f),
    ms(r.ort.fxq_int8, f),
    ...o.backends.flatMap((be) => [
      ratio(r.fxq[`fp32_${be}`], r.ort.fp32, f),
      ratio(r.fxq[`int8_${be}`], r.ort.int8, f),
    ]),
    ...o.backends.map((be) => ratio(r.fxq[`fp32_${be}`], r.fxq[`int8_${be}`], f)),
    ...(with_diff
      ? [
          r.max_abs_logit_diff.fp32 === null ? '—' : r.max_abs_logit_diff.fp32.toExponential(1),
          r.max_abs_logit_diff.int8 === null ? '—' : r.max_abs_logit_diff.int8.toFixed(3),
          r.max_abs_logit_diff.fxq_int8 === null ? '—' : r.max_abs_logit_diff.fxq_int8.toFixed(3),
        ]
      : []),
  ]);
  print_table(headers, body);
}

function print_rows(rows: ModelRow[], o: Options): void {
  console.log(
    '\nWall time: median ms per call, single thread, this run. x/ORT = fxq ÷ onnxruntime-web (< 1: fxq faster);',
  );
  console.log(
    'fp32/int8 = int8 speed-up on that backend; max|Δ| = largest logit difference vs ORT on the same weights',
  );
  console.log(
    `(int8: ORT's QDQ model carries PyTorch's qparams from 1,000 calibration images; this run calibrated on ${o.calib} on ${o.calib_backend}).\n`,
  );
  timing_table(rows, o, 'median_ms', true);
  console.log(
    '\nCPU time: median process CPU ms (user + system) per call, same runs. Other jobs on a shared VM inflate wall',
  );
  console.log(
    'time much more than CPU time (cache contention still moves it): these ratios are usually the steadier.\n',
  );
  timing_table(rows, o, 'cpu_ms', false);
  const skipped = rows.flatMap((r) =>
    [
      ...Object.entries(r.fxq),
      ['ort_fp32', r.ort.fp32] as const,
      ['ort_int8', r.ort.int8] as const,
      ['ort_fxq_int8', r.ort.fxq_int8] as const,
    ]
      .filter(([, c]) => c.skipped)
      .map(([k, c]) => `${r.model} b${r.batch} ${k}: ${c.skipped}`),
  );
  if (skipped.length) console.log(`\nskipped: ${skipped.join('; ')}`);
  const ref = rows
    .map((r) => [r, REFERENCE_LATENCY[`${r.model}/${r.batch}`]] as const)
    .filter(([, v]) => v !== undefined)
    .map(([r, v]) => [
      r.model,
      r.batch,
      v.torch_fp32,
      v.torch_int8,
      v.ort_node_fp32,
      v.ort_node_int8,
      v.ort_web_fp32,
      v.ort_web_int8,
    ]);
  if (ref.length) {
    console.log(
      '\nFor context, docs/reference/RESULTS.md §5 (reference run, same machine kind, another time: compare ratios, not ms):\n',
    );
    print_table(
      ['model', 'batch', 'torch fp32', 'torch int8', 'ORT-node fp32', 'ORT-node int8', 'ORT-web fp32', 'ORT-web int8'],
      ref,
    );
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parse(args);
  const have_onnx = existsSync(o.onnx_dir);
  if (!have_onnx)
    console.log(
      `${o.onnx_dir} not found: onnxruntime-web runs fxq's exports only (pass --onnx DIR for the reference ones)`,
    );
  const ort = await load_ort();
  const rows: ModelRow[] = [];
  const quantize_s: Record<string, number> = {};
  let vit_rows: VitRow[] = [];
  const thread_rows: ThreadRow[] = [];
  const load_before = loadavg();
  for (const name of o.models) {
    if (name === 'fmnist_vit') {
      // its own columns: fp32, dynamic and static int8 on wasm against ORT-web fp32 (bench/_vit_rows.ts)
      vit_rows = await bench_vit(ort, o);
      continue;
    }
    process.stderr.write(`${name}: prepare_fx → calibrate → convert_fx …\n`);
    const sub = make_subject(name, o);
    quantize_s[name] = sub.quantize_s;
    rows.push(...(await bench_subject(sub, ort, o)));
    if (o.threads.length > 1) {
      process.stderr.write(`${name}: threads ${o.threads.join(', ')} …\n`);
      const onnx = join(o.onnx_dir, `${name}.onnx`);
      thread_rows.push(...(await bench_threads(sub, batches_of(name, o), o.threads, onnx, o.budget_ms)));
    }
  }
  if (rows.length) print_rows(rows, o);
  if (vit_rows.length) print_vit_rows(vit_rows);
  if (thread_rows.length) print_thread_rows(thread_rows, o.threads, load_before);
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, node: process.version },
    options: { ...o, max_call_s: o.max_call_ms / 1000 },
    onnx_dir_found: have_onnx,
    quantize_seconds: quantize_s,
    rows,
    fmnist_vit_rows: vit_rows,
    thread_rows,
    load_average_before: load_before,
    load_average_after: loadavg(),
    reference_results_md_5: REFERENCE_LATENCY,
  };
  mkdirSync(dirname(o.out), { recursive: true });
  write_file_atomic(o.out, new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
  console.log(`\nwrote ${o.out}`);
}
