/**
 * `npm run bench -- models --threads 1,2`: the thread-count rows of the model bench. For every model and
 * batch, fxq's wasm fp32 (as written: the eager module, and its symbolic_trace GraphModule, which reuses
 * activation storage; fuse_fx'd: BatchNorm folded, conv + ReLU one call) and int8
 * models and onnxruntime-web (fp32 reference export, and fxq's own int8 model exported to QDQ ONNX) are timed at each thread count, in alternating blocks (t1, t2, t1, t2, …)
 * so a change of the machine's load hits every count alike. fxq: set_num_threads(t) (runtime/threads), its
 * 1-thread blocks with splitting off and the workers parked (not ended and restarted at every switch);
 * ORT: env.wasm.numThreads = t in a child process per block (bench/_ort_threads_child.ts), with its CPU /
 * wall ratio (whether a second thread ran). The note gives the core count and the load around the run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { export_onnx_bytes } from '../compiler/export/onnx/export.js';
import { fuse_fx } from '../compiler/quantize_fx.js';
import { symbolic_trace } from '../compiler/trace/symbolic_trace.js';
import { type nn, no_grad, type Tensor } from '../index.js';
import { get_backend, set_backend } from '../runtime/backends/registry.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { set_num_threads, threads_ready } from '../runtime/threads/num_threads.js';
import { min_parallel_work } from '../runtime/threads/plan.js';
import { format_ms, print_table, quantile } from './_util.js';

/** Timings of one thread count: median and 10th-percentile wall ms per call. */
export interface ThreadCell {
  median_ms: number | null;
  p10_ms: number | null;
  runs: number;
  /** ORT: the child process's CPU time over wall time (above 1 only when a second thread computed). */
  cpu_per_wall?: number;
}

/**
 * One model at one batch: cells keyed `<what>@<threads>` (what: fxq_fp32 — eager —, fxq_fp32_traced — its
 * GraphModule —, fxq_fp32_fused — fuse_fx'd —, fxq_int8, ort_fp32, ort_fxq_int8).
 */
export interface ThreadRow {
  model: string;
  batch: number;
  cells: Record<string, ThreadCell>;
  /** max |Δ| of the int8 logits between each thread count and 1 thread (0: bit-identical). */
  int8_max_abs_diff_vs_1: Record<string, number>;
}

/** Times an ONNX file on onnxruntime-web at `t` threads in a child process (bench/_ort_threads_child.ts). */
function ort_block(
  t: number,
  file: string,
  shape: readonly number[],
  budget_ms: number,
): { samples: number[]; cpu_per_wall: number } | null {
  const child = join(dirname(fileURLToPath(import.meta.url)), '_ort_threads_child.ts');
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, child, String(t), file, shape.join(','), String(budget_ms)],
    {
      encoding: 'utf8',
      timeout: 10 * 60_000,
    },
  );
  const line = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !line?.startsWith('{')) {
    console.log(`onnxruntime-web at ${t} threads failed: ${(r.stderr ?? '').trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(line) as { samples: number[]; cpu_per_wall: number };
}

/** Subject fields these rows need (bench/models.ts Subject). */
export interface ThreadSubject {
  name: string;
  fp32: nn.Module;
  int8: nn.Module;
  input(batch: number): Tensor;
  example_inputs: Tensor[];
}

/**
 * Untimed calls before the timed rounds, per thread count (ms, at least 3 calls). A process's first seconds with a
 * second thread run erratically — 9–14 ms calls of FmnistResNet int8 b32 that settle at 6.1 ms after 5–9 s, with or
 * without wasm tier-up (--no-wasm-dynamic-tiering) — as V8's background compiler and GC threads take the cores the
 * kernels want; a few blocks of 333 ms in that phase made a 1.73× model read 1.39×.
 */
const WARM_MS = 3000;

/** Times `call` in `rounds` blocks per thread count (alternating), `budget_ms` in all per count, after a warm-up. */
async function alternate(
  counts: number[],
  enter: (t: number) => Promise<void>,
  call: (t: number) => unknown,
  budget_ms: number,
  rounds: number,
): Promise<Record<number, ThreadCell>> {
  const samples: Record<number, number[]> = Object.fromEntries(counts.map((t) => [t, []]));
  for (const t of counts) {
    await enter(t);
    const t_end = performance.now() + WARM_MS;
    for (let i = 0; i < 3 || performance.now() < t_end; i++) await call(t);
  }
  for (let r = 0; r < rounds; r++) {
    for (const t of counts) {
      await enter(t);
      await call(t); // warm-up (and worker start)
      const t_end = performance.now() + budget_ms / rounds;
      do {
        const t0 = performance.now();
        await call(t);
        samples[t].push(performance.now() - t0);
      } while (performance.now() < t_end && samples[t].length < 1000);
    }
  }
  const out: Record<number, ThreadCell> = {};
  for (const t of counts) {
    const s = samples[t].sort((a, b) => a - b);
    out[t] = { median_ms: quantile(s, 0.5), p10_ms: quantile(s, 0.1), runs: s.length };
  }
  return out;
}

/** The thread rows of one subject at `batches`. */
export async function bench_threads(
  sub: ThreadSubject,
  batches: number[],
  counts: number[],
  onnx_path: string,
  budget_ms: number,
): Promise<ThreadRow[]> {
  load_wasm_backend();
  const prev = get_backend().name;
  set_backend('wasm');
  // ORT runs files: the reference fp32 export and fxq's own int8 model exported to QDQ ONNX
  const dir = mkdtempSync(join(tmpdir(), 'fxq-threads-'));
  const files: Record<string, string | null> = { fp32: existsSync(onnx_path) ? onnx_path : null, fxq_int8: null };
  try {
    files.fxq_int8 = join(dir, 'fxq_int8.onnx');
    writeFileSync(files.fxq_int8, export_onnx_bytes(sub.int8, sub.example_inputs));
  } catch {
    files.fxq_int8 = null;
  }
  // the fp32 model as deployed: BatchNorm folded into the convs, conv + ReLU one call (nni.ConvReLU2d), as
  // ORT's graph optimizer fuses the reference export
  const fused_fp32 = fuse_fx(sub.fp32);
  // the same model as a GraphModule (what fxq saves and loads): its compiled forward hands each activation's
  // storage back after the last use (runtime/tensor/buffer_pool.ts); the eager module cannot know when a tensor dies
  const traced_fp32 = symbolic_trace(sub.fp32);
  const splitting = { ...min_parallel_work };
  const rows: ThreadRow[] = [];
  try {
    for (const b of batches) {
      const x = sub.input(b);
      const row: ThreadRow = { model: sub.name, batch: b, cells: {}, int8_max_abs_diff_vs_1: {} };
      // 1 thread: the calling thread alone, splitting off (min_parallel_work ∞) while the pool's workers stay
      // parked asleep — set_num_threads(1)'s code path without ending them, so the next 2-thread block does not
      // restart a worker (a new worker's first seconds run erratically: V8 warming a fresh isolate)
      const most = Math.max(...counts);
      const enter = async (t: number) => {
        Object.assign(min_parallel_work, t === 1 ? { macs: Infinity, elements: Infinity } : splitting);
        set_num_threads(t === 1 ? most : t);
        await threads_ready();
      };
      // the eager module last: its fresh ArrayBuffer per activation can leave V8 collecting after every forward
      // for seconds after (75 mark-compacts in its 10 s at ResNet-18 batch 1, against 0–1 in each GraphModule's)
      for (const [kind, model] of [
        ['fxq_fp32_traced', traced_fp32],
        ['fxq_fp32_fused', fused_fp32],
        ['fxq_int8', sub.int8],
        ['fxq_fp32', sub.fp32],
      ] as const) {
        const cells = await alternate(counts, enter, () => no_grad(() => model.call(x)), budget_ms, 5);
        for (const t of counts) row.cells[`${kind}@${t}`] = cells[t];
      }
      // threaded int8 logits against one thread's (bit-identical kernels: expect 0)
      set_num_threads(1);
      const ref = no_grad(() => (sub.int8.call(x) as Tensor).data);
      for (const t of counts.filter((c) => c > 1)) {
        await enter(t);
        const got = no_grad(() => (sub.int8.call(x) as Tensor).data);
        let d = 0;
        for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ref[i] - got[i]));
        row.int8_max_abs_diff_vs_1[t] = d;
      }
      set_num_threads(1);
      for (const kind of ['fp32', 'fxq_int8'] as const) {
        const file = files[kind];
        if (!file) continue;
        const samples: Record<number, number[]> = Object.fromEntries(counts.map((t) => [t, []]));
        const cpu: Record<number, number[]> = Object.fromEntries(counts.map((t) => [t, []]));
        for (let round = 0; round < 3; round++) {
          for (const t of counts) {
            const block = ort_block(t, file, x.shape, budget_ms / 3);
            if (block) {
              samples[t].push(...block.samples);
              cpu[t].push(block.cpu_per_wall);
            }
          }
        }
        for (const t of counts) {
          const s = samples[t].sort((a, b) => a - b);
          row.cells[`ort_${kind}@${t}`] = s.length
            ? {
                median_ms: quantile(s, 0.5),
                p10_ms: quantile(s, 0.1),
                runs: s.length,
                cpu_per_wall: Math.max(...cpu[t]),
              }
            : { median_ms: null, p10_ms: null, runs: 0 };
        }
      }
      rows.push(row);
    }
  } finally {
    Object.assign(min_parallel_work, splitting);
    set_num_threads(1);
    set_backend(prev);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Prints the thread rows with speed-ups over 1 thread and the machine note. */
export function print_thread_rows(rows: ThreadRow[], counts: number[], load_before: number[]): void {
  const what = ['fxq_fp32', 'fxq_fp32_traced', 'fxq_fp32_fused', 'fxq_int8', 'ort_fp32', 'ort_fxq_int8'];
  const label: Record<string, string> = {
    fxq_fp32: 'fxq fp32 eager wasm',
    fxq_fp32_traced: 'fxq fp32 GraphModule wasm',
    fxq_fp32_fused: 'fxq fp32 fuse_fx wasm',
    fxq_int8: 'fxq int8 wasm',
    ort_fp32: 'ORT-web fp32',
    ort_fxq_int8: 'ORT-web fxq-int8',
  };
  const more = counts.filter((t) => t > 1);
  const headers = ['model', 'batch'];
  for (const w of what) {
    for (const t of counts) headers.push(`${label[w]} ${t}t`);
    for (const t of more) headers.push(`${label[w]} ×${t}t`);
  }
  headers.push(...more.map((t) => `int8 max|Δ| ${t}t vs 1t`));
  const ms = (c: ThreadCell | undefined) =>
    c?.median_ms == null
      ? '—'
      : `${format_ms(c.median_ms)}${c.cpu_per_wall === undefined ? '' : ` (cpu/wall ${c.cpu_per_wall.toFixed(2)})`}`;
  // the median's ratio, and the 10th percentile's (the calls no other process slowed: on a shared 2-core VM a
  // second thread's share of the machine comes and goes, one thread's hardly)
  const speed = (a: ThreadCell | undefined, b: ThreadCell | undefined) =>
    a?.median_ms && b?.median_ms
      ? `${(a.median_ms / b.median_ms).toFixed(2)}x${a.p10_ms && b.p10_ms ? ` (p10 ${(a.p10_ms / b.p10_ms).toFixed(2)}x)` : ''}`
      : '—';
  const body = rows.map((r) => {
    const cells: (string | number)[] = [r.model, r.batch];
    for (const w of what) {
      for (const t of counts) cells.push(ms(r.cells[`${w}@${t}`]));
      for (const t of more) cells.push(speed(r.cells[`${w}@1`], r.cells[`${w}@${t}`]));
    }
    cells.push(...more.map((t) => String(r.int8_max_abs_diff_vs_1[t] ?? '—')));
    return cells;
  });
  const load_after = loadavg();
  console.log(
    `\nThreads: median wall ms per call at ${counts.join(', ')} threads (alternating blocks), ×Nt = speed-up over 1 thread (of the medians; p10: of the 10th percentiles).`,
  );
  console.log(
    `Machine: ${cpus().length} logical cores (${cpus()[0]?.model ?? '?'}); load average (1, 5, 15 min) ${load_before.map((v) => v.toFixed(2)).join(', ')} before, ${load_after.map((v) => v.toFixed(2)).join(', ')} after.\n`,
  );
  print_table(headers, body);
}
