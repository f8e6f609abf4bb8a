/**
 * Input statistics of weighted layers, gathered in one pass of the float (or prepared) model over calibration
 * data: the mean input vector E[x] (bias correction) and either the Gram matrix Σ x xᵀ / n of the layer's input
 * rows (im2col patches for a conv) or the rows themselves (AdaRound's reconstruction loss). A layer's output
 * error (W̃ − W)x then has E‖(W̃ − W)x‖² = tr((W̃ − W) G (W̃ − W)ᵀ), exact over every sampled row.
 * Observers and fake-quants are muted during the pass so calibration statistics stay untouched.
 */
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { no_grad } from '../../runtime/autograd/grad_mode.js';
import { col_geometry, conv2d_out_hw, im2col } from '../../runtime/backends/js/fp32.js';
import type { Conv2d } from '../../runtime/nn/layers/conv.js';
import type { Module } from '../../runtime/nn/module.js';
import { FakeQuantizeBase } from '../../runtime/quant/fake_quantize.js';
import { ObserverBase } from '../../runtime/quant/observer_base.js';
import { Generator } from '../../runtime/tensor/random.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { conv_geometry, type WeightedLayer, weight_of } from './layers.js';

/** What was gathered for one layer (per group for a grouped conv: K = in_channels/groups · kh · kw). */
export interface LayerInputStats {
  /** Row length K. */
  k: number;
  groups: number;
  /** Rows seen (per group). */
  n: number;
  /** E[x] per group: groups × K. */
  mean: Float64Array;
  /** Σ x xᵀ / n per group (groups × K × K), when K ≤ gram_max_k. */
  gram: Float32Array | null;
  /** The rows themselves, n × K (groups = 1 only), when K > gram_max_k. */
  rows: Float32Array | null;
}

/** Options of collect_layer_inputs. */
export interface CollectOptions {
  batch_size?: number;
  /** At most this many output positions per image for a conv (seeded sample; default 64). */
  positions_per_image?: number;
  /** Above this row length keep the rows instead of a Gram matrix (default 1024). */
  gram_max_k?: number;
  seed?: number;
  /** Gather E[x] only (no Gram matrix, no rows): bias correction. */
  mean_only?: boolean;
  on_progress?: (done: number, total: number) => void;
}

interface Acc {
  layer: WeightedLayer;
  k: number;
  groups: number;
  n: number;
  sum: Float64Array;
  gram: Float32Array | null;
  rows: Float32Array[] | null;
}

/** Adds rows (a chunk, m × K row-major for group g) to the accumulator. */
function add_rows(acc: Acc, g: number, chunk: Float32Array, m: number): void {
  const k = acc.k;
  for (let r = 0; r < m; r++) for (let j = 0; j < k; j++) acc.sum[g * k + j] += chunk[r * k + j];
  if (acc.gram) {
    const x = new Tensor(chunk, [m, k], 'float32');
    const gg = x.t().matmul(x).contiguous().data as Float32Array;
    const off = g * k * k;
    for (let i = 0; i < k * k; i++) acc.gram[off + i] += gg[i];
  } else if (acc.rows) {
    acc.rows.push(chunk.slice(0, m * k));
  }
  if (g === 0) acc.n += m;
}

/** im2col rows of a conv input batch, sampled positions, per group. */
function conv_rows(acc: Acc, x: Tensor, positions: number, gen: Generator): void {
  const c = acc.layer.weighted as Conv2d;
  const [oc, cg, kh, kw] = weight_of(acc.layer).shape;
  const geo = conv_geometry(c);
  const xc = x.contiguous();
  const [batch, cin, in_h, in_w] = xc.shape;
  const g = {
    batch,
    in_channels: cin,
    in_h,
    in_w,
    out_channels: oc,
    kernel_h: kh,
    kernel_w: kw,
    stride: geo.stride,
    padding: geo.padding,
    dilation: geo.dilation,
    groups: geo.groups,
  };
  const [oh, ow] = conv2d_out_hw(g);
  const cgeo = col_geometry(g, oh, ow);
  const plane = oh * ow;
  const k = cg * kh * kw;
  const col = new Float32Array(k * plane);
  const take = Math.min(positions, plane);
  for (let grp = 0; grp < geo.groups; grp++) {
    const chunk = new Float32Array(batch * take * k);
    for (let b = 0; b < batch; b++) {
      im2col(xc.data as Float32Array, (b * cin + grp * cg) * in_h * in_w, cgeo, col);
      for (let t = 0; t < take; t++) {
        const p = take === plane ? t : Math.floor(gen.random() * plane);
        const row = (b * take + t) * k;
        for (let j = 0; j < k; j++) chunk[row + j] = col[j * plane + p];
      }
    }
    add_rows(acc, grp, chunk, batch * take);
  }
}

/** Runs `model` on `inputs` (batch-first) and returns each layer's input statistics, keyed by path. */
export function collect_layer_inputs(
  model: GraphModule,
  layers: WeightedLayer[],
  inputs: Tensor,
  options: CollectOptions = {},
): Map<string, LayerInputStats> {
  const bs = options.batch_size ?? 50;
  const positions = options.positions_per_image ?? (options.mean_only ? Infinity : 64);
  const gram_max = options.gram_max_k ?? 1024;
  const gen = new Generator(options.seed ?? 0);
  const accs = new Map<string, Acc>();
  const restore: (() => void)[] = [];
  const patch = (m: Module, f: (...a: unknown[]) => unknown) => {
    const slots = m as unknown as { forward: unknown };
    const had = Object.hasOwn(slots, 'forward');
    const prev = slots.forward;
    slots.forward = f;
    restore.push(() => {
      if (had) slots.forward = prev;
      else delete (slots as { forward?: unknown }).forward;
    });
  };
  for (const [, m] of model.named_modules()) {
    if (m instanceof ObserverBase || m instanceof FakeQuantizeBase) patch(m, (x: unknown) => x);
  }
  for (const layer of layers) {
    const w = weight_of(layer);
    const groups = layer.kind === 'conv' ? (layer.weighted as Conv2d).groups : 1;
    const k = w.numel() / w.shape[0];
    const use_gram = k <= gram_max && !options.mean_only;
    if (!use_gram && !options.mean_only && groups !== 1)
      throw new Error(`ptq: grouped conv '${layer.path}' with rows of ${k} > ${gram_max}`);
    const acc: Acc = {
      layer,
      k,
      groups,
      n: 0,
      sum: new Float64Array(groups * k),
      gram: use_gram ? new Float32Array(groups * k * k) : null,
      rows: use_gram || options.mean_only ? null : [],
    };
    accs.set(layer.path, acc);
    const orig = layer.module.forward.bind(layer.module) as (...a: unknown[]) => unknown;
    patch(layer.module, (x: unknown, ...rest: unknown[]) => {
      const t = x as Tensor;
      if (layer.kind === 'conv') conv_rows(acc, t, positions, gen);
      else {
        const flat = t.contiguous().reshape(-1, k);
        add_rows(acc, 0, Float32Array.from(flat.data as Float32Array), flat.shape[0]);
      }
      return orig(x, ...rest);
    });
  }
  try {
    no_grad(() => {
      const n = inputs.shape[0];
      for (let i = 0; i < n; i += bs) {
        model.call(inputs.narrow(0, i, Math.min(bs, n - i)));
        options.on_progress?.(Math.min(i + bs, n), n);
      }
    });
  } finally {
    for (const r of restore.reverse()) r();
  }
  const out = new Map<string, LayerInputStats>();
  for (const [path, a] of accs) {
    if (a.n === 0) throw new Error(`ptq: module '${path}' was not called by the forward pass`);
    const mean = a.sum.map((v) => v / a.n);
    const gram = a.gram ? a.gram.map((v) => v / a.n) : null;
    const rows = a.rows ? concat(a.rows) : null;
    out.set(path, { k: a.k, groups: a.groups, n: a.n, mean, gram, rows });
  }
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
