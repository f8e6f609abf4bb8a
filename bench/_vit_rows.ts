/**
 * FmnistViT's rows of `npm run bench -- models` (issue #16): on wasm, one thread, fxq fp32, dynamic int8
 * (quantize_dynamic, Linear → qint8), static int8 with the parity config (PyTorch 1.13's int8/float decisions,
 * FX PTQ with the qnnpack qconfig) and with the opt-in fxq config (int8 attention: no float islands), side by side with
 * onnxruntime-web fp32 on the reference fmnist_vit.onnx. The cells of one batch are timed round-robin (one call
 * of each per round) so a load change on the shared VM hits them alike; medians of wall and process CPU time.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { convert_fx, prepare_fx } from '../compiler/quantize_fx.js';
import { image_batch, load_calibration_images, load_test_images } from '../examples/lib/fmnist_data.js';
import { with_backend } from '../examples/lib/latency.js';
import { quantize_ptq } from '../examples/lib/ptq.js';
import { FMNIST_VIT } from '../examples/models/index.js';
import { nn, no_grad, quantization, type Tensor } from '../index.js';
import { get_fxq_backend_config } from '../runtime/quantized/op_catalogue/index.js';
import type { Cell } from './_capped_timing.js';
import { settle } from './_capped_timing.js';
import { type OrtModule, ort_session } from './_ort.js';
import { format_ms, print_table, quantile } from './_util.js';

/** The fxq variants of a row, in table order. */
export const VIT_KINDS = ['fp32', 'dynamic', 'static', 'static_int8_attention'] as const;
export type VitKind = (typeof VIT_KINDS)[number];

const LABEL: Record<VitKind, string> = {
  fp32: 'fxq fp32',
  dynamic: 'dynamic int8',
  static: 'static int8 (parity)',
  static_int8_attention: 'static int8 (opt-in int8 attention)',
};

/** One FmnistViT row: a batch size, each fxq variant on wasm and ORT-web fp32. */
export interface VitRow {
  model: 'fmnist_vit';
  batch: number;
  fxq: Record<VitKind, Cell>;
  ort_fp32: Cell;
  /** max |fxq − ORT| of the logits on the same images: fp32 (same weights) and each int8 variant. */
  max_abs_logit_diff_vs_ort: Partial<Record<VitKind, number>>;
}

export interface VitOptions {
  batches: number[];
  budget_ms: number;
  calib: number;
  onnx_dir: string;
  quick: boolean;
}

/**
 * The opt-in int8-attention model (#16 item 4): FX PTQ with get_fxq_backend_config() — getitem keeps qparams,
 * GELU through a 256-entry table, the integer softmax, flatten / cat / clamp changes — so the encoder runs in int8.
 */
function int8_attention_model(fp32: nn.Module, calib: Tensor[]): GraphModule {
  const prepared = prepare_fx(
    fp32,
    { '': quantization.get_default_qconfig('qnnpack') },
    FMNIST_VIT.example_inputs(),
    null,
    {
      backend_config: get_fxq_backend_config(),
      warn: false,
    },
  );
  no_grad(() => {
    for (const x of calib) prepared.call(x);
  });
  return convert_fx(prepared, { warn: false });
}

interface Variant {
  kind: VitKind;
  model: nn.Module | null;
  why?: string;
}

function build_variants(o: VitOptions): Variant[] {
  const spec = FMNIST_VIT;
  const fp32 = (spec.pretrained as () => nn.Module)().eval();
  const dynamic = quantization.quantize_dynamic(fp32, new Set([nn.Linear]), 'qint8');
  const calib_imgs = load_calibration_images({ limit: o.calib });
  const calib: Tensor[] = [];
  for (let s = 0; s < o.calib; s += 50) calib.push(image_batch(calib_imgs.images, s, Math.min(50, o.calib - s)));
  const t0 = performance.now();
  let static_q: GraphModule | null = null;
  let why: string | undefined;
  try {
    static_q = with_backend('wasm', () =>
      quantize_ptq(fp32, spec.example_inputs(), (prepared) =>
        no_grad(() => {
          for (const x of calib) prepared.call(x);
        }),
      ),
    ).quantized;
    process.stderr.write(
      `fmnist_vit: static PTQ (${o.calib} images) ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  } catch (e) {
    why = `static PTQ failed: ${(e as Error).message.split('\n')[0]}`;
  }
  let opt_in: GraphModule | null = null;
  let opt_why: string | undefined;
  try {
    opt_in = with_backend('wasm', () => int8_attention_model(fp32, calib));
  } catch (e) {
    opt_why = `opt-in PTQ failed: ${(e as Error).message.split('\n')[0]}`;
  }
  return [
    { kind: 'fp32', model: fp32 },
    { kind: 'dynamic', model: dynamic },
    { kind: 'static', model: static_q, why },
    { kind: 'static_int8_attention', model: opt_in, why: opt_why },
  ];
}

interface Runner {
  key: VitKind | 'ort_fp32';
  call: () => unknown;
  wall: number[];
  cpu: number[];
}

async function time_round_robin(runners: Runner[], budget_ms: number, min_rounds: number): Promise<void> {
  for (let i = 0; i < 3; i++) for (const r of runners) await r.call(); // warm-up: JIT, weight packing
  const start = performance.now();
  let rounds = 0;
  while (rounds < min_rounds || (rounds < 200 && performance.now() - start < budget_ms * runners.length)) {
    for (const r of runners) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await r.call();
      r.wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      r.cpu.push((c.user + c.system) / 1000);
    }
    rounds++;
  }
}

function to_cell(r: Runner): Cell {
  const w = [...r.wall].sort((a, b) => a - b);
  const c = [...r.cpu].sort((a, b) => a - b);
  return { median_ms: quantile(w, 0.5), p10_ms: quantile(w, 0.1), cpu_ms: quantile(c, 0.5), runs: w.length };
}

/** Times FmnistViT at each batch (wasm backend for every fxq cell). */
export async function bench_vit(ort: OrtModule | null, o: VitOptions): Promise<VitRow[]> {
  process.stderr.write('fmnist_vit: quantize_dynamic, prepare_fx → calibrate → convert_fx …\n');
  const variants = build_variants(o);
  const sess = ort ? await ort_session(ort, join(o.onnx_dir, 'fmnist_vit.onnx')) : null;
  if (sess) await settle();
  const test = load_test_images({ limit: Math.max(...o.batches) });
  const rows: VitRow[] = [];
  for (const b of [...o.batches].sort((x, y) => x - y)) {
    const x = image_batch(test.images, 0, b);
    const data = x.data as Float32Array;
    const runners: Runner[] = variants
      .filter((v) => v.model)
      .map((v) => ({
        key: v.kind,
        call: () => with_backend('wasm', () => no_grad(() => (v.model as nn.Module).call(x))),
        wall: [],
        cpu: [],
      }));
    if (sess) runners.push({ key: 'ort_fp32', call: () => sess.run(data, x.shape), wall: [], cpu: [] });
    process.stderr.write(`fmnist_vit b${b}: ${runners.map((r) => r.key).join(', ')} round-robin …\n`);
    await time_round_robin(runners, o.budget_ms, o.quick ? 3 : 5);
    const cells = Object.fromEntries(runners.map((r) => [r.key, to_cell(r)]));
    const row: VitRow = {
      model: 'fmnist_vit',
      batch: b,
      fxq: Object.fromEntries(
        variants.map((v) => [v.kind, cells[v.kind] ?? { median_ms: null, skipped: v.why ?? 'not built' }]),
      ) as Record<VitKind, Cell>,
      ort_fp32: cells.ort_fp32 ?? { median_ms: null, skipped: 'no ONNX file / onnxruntime-web' },
      max_abs_logit_diff_vs_ort: {},
    };
    if (sess) {
      const ref = await sess.run(data, x.shape);
      for (const v of variants) {
        if (!v.model) continue;
        const got = with_backend('wasm', () => no_grad(() => ((v.model as nn.Module).call(x) as Tensor).data));
        let m = 0;
        for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i] - got[i]));
        row.max_abs_logit_diff_vs_ort[v.kind] = m;
      }
    }
    rows.push(row);
  }
  return rows;
}

type Field = 'median_ms' | 'cpu_ms';

const ms = (c: Cell | undefined, f: Field) =>
  c?.[f] == null ? (c?.skipped ? 'skip' : '—') : format_ms(c[f] as number);

/** The fastest int8 cell of a row by `f`. */
function best_int8(r: VitRow, f: Field): [VitKind, number] | null {
  let best: [VitKind, number] | null = null;
  for (const k of VIT_KINDS.slice(1)) {
    const v = r.fxq[k][f];
    if (v != null && (!best || v < best[1])) best = [k, v];
  }
  return best;
}

/** Prints the FmnistViT tables (wall and CPU) with the #16 targets: best int8 ≥ 1.5× fp32 and faster than ORT. */
export function print_vit_rows(rows: VitRow[]): void {
  for (const f of ['median_ms', 'cpu_ms'] as const) {
    console.log(
      `\nFmnistViT, wasm, 1 thread, ${f === 'median_ms' ? 'wall' : 'process CPU'} median ms per call (cells timed round-robin in one run).`,
    );
    console.log(
      'Targets (#16): best int8 ≥ 1.5× fxq fp32 and faster than ORT-web fp32; skipped cells say why in the JSON.\n',
    );
    const headers = [
      'batch',
      ...VIT_KINDS.map((k) => LABEL[k]),
      'ORT-web fp32',
      'best int8',
      'fp32 / best int8',
      'ORT fp32 / best int8',
    ];
    const body = rows.map((r) => {
      const best = best_int8(r, f);
      const fp = r.fxq.fp32[f];
      const ort = r.ort_fp32[f];
      return [
        r.batch,
        ...VIT_KINDS.map((k) => ms(r.fxq[k], f)),
        ms(r.ort_fp32, f),
        best ? LABEL[best[0]] : '—',
        best && fp ? `${(fp / best[1]).toFixed(2)}x` : '—',
        best && ort ? `${(ort / best[1]).toFixed(2)}x` : '—',
      ];
    });
    print_table(headers, body);
  }
  const diffs = rows.map((r) => [
    r.batch,
    ...VIT_KINDS.map((k) => {
      const d = r.max_abs_logit_diff_vs_ort[k];
      return d === undefined ? '—' : d.toExponential(1);
    }),
  ]);
  console.log('\nmax |logit − ORT-web fp32 logit| on the same images:\n');
  print_table(['batch', ...VIT_KINDS.map((k) => LABEL[k])], diffs);
  const skipped = rows.flatMap((r) =>
    VIT_KINDS.filter((k) => r.fxq[k].skipped).map((k) => `b${r.batch} ${LABEL[k]}: ${r.fxq[k].skipped}`),
  );
  if (skipped.length) console.log(`\nskipped: ${[...new Set(skipped)].join('; ')}`);
}
