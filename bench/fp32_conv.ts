/**
 * `npm run bench -- fp32_conv [--only <substring>] [--rounds <n>]`: the wasm fp32 conv strategies side by
 * side on the FmnistCNN / FmnistResNet (batch 32 and 1) and ResNet-18 shapes: shifted phase planes, im2col
 * + packed GEMM, and what `auto` picks (runtime/backends/wasm/fp32_conv.ts SHIFTED_MAX_K), with MACs per
 * cycle at the /proc/cpuinfo clock. Each cell is the best process-CPU time per call over interleaved
 * rounds: on a shared VM contention only adds time, and CPU time excludes the waits while descheduled.
 */
import { readFileSync } from 'node:fs';
import { make_wasm_conv2d, type WasmConvStrategy } from '../runtime/backends/wasm/fp32_conv.js';
import { load_wasm_backend } from '../runtime/backends/wasm/index.js';
import { arg_value, print_table, square_conv } from './_util.js';

function conv(name: string, batch: number, cin: number, cout: number, hw: number, k: number, stride = 1) {
  const g = square_conv(batch, cin, cout, hw, k, stride);

  return { name: `${name} b${batch}`, g };
}

const CASES = [
  conv('cnn.conv1 1→32 3×3 28²', 32, 1, 32, 28, 3),
  conv('cnn.conv2 32→64 3×3 14²', 32, 32, 64, 14, 3),
  conv('cnn.conv2 32→64 3×3 14²', 1, 32, 64, 14, 3),
  conv('resnet.conv1 1→16 3×3 28²', 32, 1, 16, 28, 3),
  conv('resnet.l1 16→16 3×3 28²', 32, 16, 16, 28, 3),
  conv('resnet.l1 16→16 3×3 28²', 1, 16, 16, 28, 3),
  conv('resnet.l2 16→32 3×3/2 28²', 32, 16, 32, 28, 3, 2),
  conv('resnet.l2 32→32 3×3 14²', 32, 32, 32, 14, 3),
  conv('resnet.l2.down 16→32 1×1/2 28²', 32, 16, 32, 28, 1, 2),
  conv('resnet.l3 64→64 3×3 7²', 32, 64, 64, 7, 3),
  conv('r18 64→64 3×3 56²', 1, 64, 64, 56, 3),
  conv('r18 128→128 3×3 28²', 1, 128, 128, 28, 3),
  conv('r18 256→256 3×3 14²', 1, 256, 256, 14, 3),
  conv('r18 512→512 3×3 7²', 1, 512, 512, 7, 3),
];

function cpu_mhz(): number {
  try {
    const m = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Process-CPU ms per call of fn, repeated for ~40 ms wall. */
function cpu_ms_per_call(fn: () => unknown): number {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let n = 0;
  do {
    fn();
    n++;
  } while (performance.now() - t0 < 40);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / n;
}

export async function run(args: string[]): Promise<void> {
  const only = arg_value(args, 'only');
  const rounds = Number(arg_value(args, 'rounds') ?? 5);
  const be = load_wasm_backend();
  const strategies: WasmConvStrategy[] = ['shifted', 'im2col', 'auto'];
  const kernels = strategies.map((s) => make_wasm_conv2d(be.instance, s));
  const mhz = cpu_mhz();
  const rows: (string | number)[][] = [];
  for (const { name, g } of CASES) {
    if (only && !name.includes(only)) continue;
    let seed = 1;
    const rnd = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return (seed / 2 ** 32) * 2 - 1;
    };
    const x = Float32Array.from({ length: g.batch * g.in_channels * g.in_h * g.in_w }, rnd);
    const w = Float32Array.from({ length: g.out_channels * g.in_channels * g.kernel_h * g.kernel_w }, rnd);
    const bias = Float32Array.from({ length: g.out_channels }, rnd);
    const oh = Math.floor((g.in_h + 2 * g.padding[0] - g.kernel_h) / g.stride[0]) + 1;
    const ow = Math.floor((g.in_w + 2 * g.padding[1] - g.kernel_w) / g.stride[1]) + 1;
    const y = new Float32Array(g.batch * g.out_channels * oh * ow);
    const macs = y.length * g.in_channels * g.kernel_h * g.kernel_w;
    const calls = kernels.map((k) => () => k(x, g, w, bias, y));
    for (const c of calls) c();
    const best = calls.map(() => Number.POSITIVE_INFINITY);
    for (let r = 0; r < rounds; r++) {
      for (const [i, c] of calls.entries()) best[i] = Math.min(best[i], cpu_ms_per_call(c));
    }
    const mac_cycle = (ms: number) => (macs / (ms * 1e-3) / (mhz * 1e6)).toFixed(2);
    const k = g.in_channels * g.kernel_h * g.kernel_w;
    rows.push([
      name,
      (macs / 1e6).toFixed(1),
      k,
      ...best.flatMap((ms) => [ms.toFixed(3), mac_cycle(ms)]),
      `${(best[1] / best[0]).toFixed(2)}×`,
    ]);
  }
  console.log(`\nwasm fp32 conv2d strategies: best process-CPU ms per call over ${rounds} interleaved rounds`);
  console.log(`(CPU ${mhz} MHz from /proc/cpuinfo; bias on; output buffer reused)\n`);
  print_table(
    [
      'shape',
      'MMACs',
      'K',
      'shifted ms',
      'shifted MAC/cyc',
      'im2col ms',
      'im2col MAC/cyc',
      'auto ms',
      'auto MAC/cyc',
      'im2col/shifted',
    ],
    rows,
  );
}
