/**
 * Observers, qschemes and per-channel qparams: a port of the observer snippets of PyTorch's
 * "Practical Quantization in PyTorch" guide, printing qparams the way PyTorch prints them, the
 * quantization MSE of every observer on a Pareto-distributed activation, and the affine-vs-symmetric
 * clipping-range figure as a hand-written SVG (four histograms with the clipping bounds marked).
 *
 *   npx tsx examples/observers.ts [--out out/observers_clipping.svg] [--seed 1234]
 *
 * The data is random (fxq's seeded generator, not torch's), so the numbers differ from the guide's.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  EntropyObserver,
  HistogramObserver,
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver,
  MSEObserver,
  PercentileObserver,
  type QParamsTensors,
  quantize_per_tensor,
  type UniformQuantizationObserverBase,
} from '../runtime/quant/index.js';
import { Generator } from '../runtime/tensor/random.js';
import { Tensor } from '../runtime/tensor/tensor.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** Formats numbers as torch's tensor repr does for small 1-d tensors (4 decimals, or sci mode). */
function torch_repr(t: Tensor): string {
  const v = [...t.data];
  if (t.dtype === 'float32') {
    const nz = v.filter((x) => x !== 0).map(Math.abs);
    const sci =
      nz.length > 0 && (Math.max(...nz) / Math.min(...nz) > 1000 || Math.max(...nz) > 1e8 || Math.min(...nz) < 1e-4);
    const s = v.map((x) => (sci ? x.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : x.toFixed(4)));
    const w = Math.max(...s.map((x) => x.length));
    return `tensor([${s.map((x) => x.padStart(w)).join(', ')}])`;
  }
  const s = v.map(String);
  const w = Math.max(...s.map((x) => x.length));
  const body = s.map((x) => x.padStart(w)).join(', ');
  // torch omits the dtype for int64 (the default integer dtype)
  return t.dtype === 'int64' ? `tensor([${body}])` : `tensor([${body}], dtype=torch.${t.dtype})`;
}

function qparams_repr([s, z]: QParamsTensors): string {
  return `(${torch_repr(s)}, ${torch_repr(z)})`;
}

const seed = Number(arg('seed', '1234'));
const g = new Generator(seed);
const randn = (shape: number[], std = 1) => {
  const n = shape.reduce((p, d) => p * d, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => g.normal() * std),
    shape,
    'float32',
  );
};

console.log(`fxq observers example (random data from fxq's Generator, seed ${seed}; values differ from the guide's)\n`);

// --- the guide's observer snippet: two [3, 4] normal batches through three observers
const C = 3;
const L = 4;
const inputs = [randn([C, L]), randn([C, L])];
for (const obs of [new MinMaxObserver(), new MovingAverageMinMaxObserver(), new HistogramObserver()]) {
  for (const x of inputs) obs.forward(x);
  console.log(obs.constructor.name, qparams_repr(obs.calculate_qparams()));
}

// --- qschemes: affine vs symmetric on the same data
console.log();
for (const qscheme of ['per_tensor_affine', 'per_tensor_symmetric'] as const) {
  const obs = new MovingAverageMinMaxObserver({ qscheme });
  for (const x of inputs) obs.forward(x);
  console.log(`Qscheme: torch.${qscheme} | ${qparams_repr(obs.calculate_qparams())}`);
}

// --- per-channel: qparams for each of the C channels separately
console.log();
const pc = new MovingAveragePerChannelMinMaxObserver({ ch_axis: 0 });
for (const x of inputs) pc.forward(x);
console.log(qparams_repr(pc.calculate_qparams()));

// --- a Pareto activation [1, 1024] (as the golden's input/pareto: u^(-1/3) - 1) and conv weights N(0, 0.12)
const act = new Tensor(
  Float32Array.from({ length: 1024 }, () => Math.max(g.random(), 1e-6) ** (-1 / 3) - 1),
  [1, 1024],
  'float32',
);
const weights = randn([3, 64, 7, 7], 0.12);

console.log('\nquantization MSE of each observer on the Pareto activation [1, 1024] (quint8, affine):');
for (const obs of [
  new MinMaxObserver(),
  new HistogramObserver(),
  new PercentileObserver(),
  new MSEObserver(),
  new EntropyObserver(),
] as UniformQuantizationObserverBase[]) {
  obs.forward(act);
  const [s, z] = obs.calculate_qparams();
  const xr = quantize_per_tensor(act, s.data[0], z.data[0], 'quint8').dequantize().data;
  let mse = 0;
  for (let i = 0; i < xr.length; i++) mse += (xr[i] - act.data[i]) ** 2;
  const range = s.data[0] * (obs.quant_max - obs.quant_min);
  console.log(
    `  ${obs.constructor.name.padEnd(20)} clip range ${range.toFixed(3).padStart(7)}   MSE ${(mse / xr.length).toExponential(3)}`,
  );
}

// --- the clipping-range figure
function affine_range(x: Tensor): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}
function symmetric_range(x: Tensor): [number, number] {
  const [lo, hi] = affine_range(x);
  const beta = Math.max(hi, Math.abs(lo));
  return [-beta, beta];
}

interface Panel {
  title: string;
  data: Tensor;
  bounds: [number, number];
}

/** One histogram panel (100 bins, density) with dashed purple lines at the clipping bounds. */
function panel_svg(p: Panel, x0: number, y0: number, w: number, h: number): string {
  const bins = 100;
  const [dlo, dhi] = affine_range(p.data);
  const lo = Math.min(dlo, p.bounds[0]);
  const hi = Math.max(dhi, p.bounds[1]);
  const span = hi - lo || 1;
  const counts = new Float64Array(bins);
  for (const v of p.data.data) counts[Math.min(bins - 1, Math.floor(((v - dlo) / (dhi - dlo || 1)) * bins))]++;
  const bw = (dhi - dlo) / bins || 1;
  const dens = Array.from(counts, (c) => c / (p.data.numel() * bw));
  const ymax = Math.max(...dens);
  const px = (v: number) => x0 + 40 + ((v - lo) / span) * (w - 60);
  const py = (d: number) => y0 + h - 30 - (d / ymax) * (h - 60);
  const parts: string[] = [
    `<text x="${x0 + w / 2}" y="${y0 + 18}" text-anchor="middle" font-size="13" font-family="sans-serif">${p.title}</text>`,
    `<line x1="${x0 + 40}" y1="${y0 + h - 30}" x2="${x0 + w - 20}" y2="${y0 + h - 30}" stroke="#333"/>`,
  ];
  for (let i = 0; i < bins; i++) {
    if (dens[i] === 0) continue;
    const a = px(dlo + i * bw);
    const b = px(dlo + (i + 1) * bw);
    parts.push(
      `<rect x="${a.toFixed(2)}" y="${py(dens[i]).toFixed(2)}" width="${Math.max(b - a, 0.5).toFixed(2)}" height="${(y0 + h - 30 - py(dens[i])).toFixed(2)}" fill="#1f77b4"/>`,
    );
  }
  for (const bnd of p.bounds) {
    const x = px(bnd).toFixed(2);
    parts.push(
      `<line x1="${x}" y1="${y0 + 30}" x2="${x}" y2="${y0 + h - 30}" stroke="purple" stroke-dasharray="5,4" stroke-width="1.5"/>`,
    );
    parts.push(
      `<text x="${x}" y="${y0 + h - 14}" text-anchor="middle" font-size="10" font-family="sans-serif" fill="purple">${bnd.toFixed(2)}</text>`,
    );
  }
  return parts.join('\n');
}

const panels: Panel[] = [
  { title: 'Activation, Affine-Quantized', data: act, bounds: affine_range(act) },
  { title: 'Activation, Symmetric-Quantized', data: act, bounds: symmetric_range(act) },
  { title: 'Weights, Affine-Quantized', data: weights, bounds: affine_range(weights) },
  { title: 'Weights, Symmetric-Quantized', data: weights, bounds: symmetric_range(weights) },
];
const W = 900;
const H = 640;
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  ...panels.map((p, i) => panel_svg(p, (i % 2) * (W / 2), Math.floor(i / 2) * (H / 2), W / 2, H / 2)),
  '</svg>',
].join('\n');

const out = arg('out', 'out/observers_clipping.svg');
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.tmp-${process.pid}`;
writeFileSync(tmp, svg);
renameSync(tmp, out);
console.log(`\nwrote the affine-vs-symmetric clipping-range figure to ${out}`);
