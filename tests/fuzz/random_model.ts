/**
 * Random valid models for the fuzzer, as plain data (a ModelSpec) so a failing case prints as JSON and
 * replays from its seed alone. A spec is a list of steps over earlier values (index 0 is the input):
 * conv2d (kernel / stride / padding / dilation / groups, depthwise included), linear, relu / relu6 /
 * hardswish, add / mul (tensor or scalar), cat, max / avg / adaptive-avg pooling, flatten; each op spelled
 * as a module, an F.* / torch function or a tensor method where fxq has that spelling. fuzz_net.ts
 * turns a spec into an nn.Module, model_pipeline.ts runs it through prepare / convert / save / load.
 */
import { pool_out_size } from '../../runtime/nn/functional/pooling.js';
import { Generator } from '../../runtime/tensor/random.js';

export type Form = 'module' | 'function' | 'method';
export type Shape = number[];

export type Step =
  | {
      op: 'conv2d';
      in: number;
      cin: number;
      cout: number;
      k: [number, number];
      stride: [number, number];
      padding: [number, number];
      dilation: [number, number];
      groups: number;
      bias: boolean;
      /** weights (and bias) multiplied by this after the default init; zero_channel: an output channel of 0s */
      wscale: number;
      zero_channel: boolean;
    }
  | { op: 'linear'; in: number; fin: number; fout: number; bias: boolean; wscale: number; zero_channel: boolean }
  | { op: 'batch_norm2d'; in: number; c: number }
  /** calls the module of an earlier conv2d / linear step again (one module, two call sites) */
  | { op: 'reuse'; in: number; of: number }
  | { op: 'relu' | 'relu6' | 'hardswish'; in: number; form: Form }
  | { op: 'add' | 'mul'; a: number; b: number; form: Form }
  | { op: 'add_scalar' | 'mul_scalar'; in: number; c: number; form: Form }
  | { op: 'cat'; ins: number[]; dim: number }
  | {
      op: 'max_pool2d' | 'avg_pool2d';
      in: number;
      k: [number, number];
      stride: [number, number];
      padding: [number, number];
      ceil_mode: boolean;
      count_include_pad: boolean;
      form: Form;
    }
  | { op: 'adaptive_avg_pool2d'; in: number; out: [number, number]; form: Form }
  | { op: 'flatten'; in: number; form: Form };

/** How the model is quantized: a static qconfig preset (maybe one per op type) or a dynamic one. */
export type QuantChoice =
  | { mode: 'static'; global: StaticPreset; conv?: StaticPreset; linear?: StaticPreset }
  | { mode: 'dynamic'; weight: 'per_tensor' | 'per_channel'; via: 'prepare_fx' | 'quantize_dynamic' };

export type StaticPreset =
  | 'qnnpack'
  | 'fbgemm'
  | 'default'
  | 'default_per_channel'
  | 'minmax_full_per_channel'
  | 'moving_average_per_tensor';

export const STATIC_PRESETS: readonly StaticPreset[] = [
  'qnnpack',
  'fbgemm',
  'default',
  'default_per_channel',
  'minmax_full_per_channel',
  'moving_average_per_tensor',
];

export interface ModelSpec {
  seed: number;
  /** [N, C, H, W] for conv models, [N, F] for linear-only models */
  input: Shape;
  steps: Step[];
  /** value indices returned (one: a tensor; more: a tuple) */
  outputs: number[];
  quant: QuantChoice;
  /** convert_fx options: fold relu / relu6 / hardtanh into int8 conv / linear clamps; NaN / Inf input checks */
  convert?: { fold_clamps: boolean; check_inputs: boolean };
  /** calibration batches: how many, the input distribution's scale and offset, and the float numerics
   * (`pytorch_x86`: conv, linear and global pooling rounded as PyTorch on x86) */
  calib: { batches: number; scale: number; offset: number; numerics?: 'fast' | 'pytorch_x86' };
  /** the equality-check input: batch size (the calibration batch size is input[0]), scale and offset
   * (different from calibration's: values outside the calibrated range saturate) */
  check: { batch: number; scale: number; offset: number };
}

/** A uniform pick helper over a seeded Generator. */
export class Rng {
  readonly g: Generator;
  constructor(seed: number) {
    this.g = new Generator(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.g.random() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.g.random() * xs.length)];
  }
  chance(p: number): boolean {
    return this.g.random() < p;
  }
}

const MAX_C = 16;

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

function conv_step(r: Rng, i: number, s: Shape): Step | null {
  const [, cin, h, w] = s;
  const depthwise = cin > 1 && r.chance(0.25);
  const groups = depthwise ? cin : r.chance(0.25) ? r.pick(divisors(cin)) : 1;
  // now and then a wide layer (the wasm kernels switch paths on channels per group and reduction length)
  const max_c = r.chance(0.1) ? 4 * MAX_C : MAX_C;
  const cout = depthwise ? cin * r.int(1, 2) : groups * r.int(1, Math.max(1, Math.floor(max_c / groups)));
  const k: [number, number] = r.chance(0.7) ? [r.pick([1, 3, 5]), 0] : [r.int(1, 5), r.int(1, 5)];
  if (k[1] === 0) k[1] = k[0];
  const stride: [number, number] = r.chance(0.6) ? [1, 1] : [r.int(1, 3), r.int(1, 3)];
  const dilation: [number, number] = r.chance(0.85) ? [1, 1] : [r.int(1, 2), r.int(1, 2)];
  const padding: [number, number] = [r.int(0, k[0]), r.int(0, k[1])];
  const oh = Math.floor((h + 2 * padding[0] - dilation[0] * (k[0] - 1) - 1) / stride[0]) + 1;
  const ow = Math.floor((w + 2 * padding[1] - dilation[1] * (k[1] - 1) - 1) / stride[1]) + 1;
  if (oh < 1 || ow < 1 || cout > 4 * MAX_C) return null;
  const bias = r.chance(0.8);
  return { op: 'conv2d', in: i, cin, cout, k, stride, padding, dilation, groups, bias, ...weight_extras(r) };
}

/** Mostly the default init; sometimes tiny or large weights, or a dead output channel. */
function weight_extras(r: Rng): { wscale: number; zero_channel: boolean } {
  return { wscale: r.chance(0.8) ? 1 : r.pick([1e-4, 0.01, 10, 300]), zero_channel: r.chance(0.1) };
}

function pool_step(r: Rng, i: number, s: Shape): Step | null {
  const op = r.pick(['max_pool2d', 'avg_pool2d'] as const);
  const k: [number, number] = [r.int(1, 3), r.int(1, 3)];
  const stride: [number, number] = r.chance(0.5) ? [k[0], k[1]] : [r.int(1, 3), r.int(1, 3)];
  const padding: [number, number] = [r.int(0, k[0] >> 1), r.int(0, k[1] >> 1)];
  const ceil_mode = r.chance(0.3);
  const oh = pool_out_size(s[2], k[0], stride[0], padding[0], 1, ceil_mode);
  const ow = pool_out_size(s[3], k[1], stride[1], padding[1], 1, ceil_mode);
  if (oh < 1 || ow < 1) return null;
  const form = r.pick(['module', 'function'] as const);
  return { op, in: i, k, stride, padding, ceil_mode, count_include_pad: r.chance(0.7), form };
}

/** The shape a step produces from the current values' shapes (`steps`: the earlier steps, for reuse). */
export function step_shape(step: Step, shapes: Shape[], steps: readonly Step[]): Shape {
  switch (step.op) {
    case 'reuse':
      return step_shape({ ...steps[step.of], in: step.in } as Step, shapes, steps);
    case 'conv2d': {
      const [n, , h, w] = shapes[step.in];
      const o = (x: number, a: 0 | 1) =>
        Math.floor((x + 2 * step.padding[a] - step.dilation[a] * (step.k[a] - 1) - 1) / step.stride[a]) + 1;
      return [n, step.cout, o(h, 0), o(w, 1)];
    }
    case 'linear':
      return [...shapes[step.in].slice(0, -1), step.fout];
    case 'add':
    case 'mul':
      return shapes[step.a];
    case 'cat': {
      const out = [...shapes[step.ins[0]]];
      if (step.dim < 0) return step_shape({ ...step, dim: out.length + step.dim }, shapes, steps);
      out[step.dim] = step.ins.reduce((a, j) => a + shapes[j][step.dim], 0);
      return out;
    }
    case 'max_pool2d':
    case 'avg_pool2d': {
      const [n, c, h, w] = shapes[step.in];
      const o = (x: number, a: 0 | 1) =>
        pool_out_size(x, step.k[a], step.stride[a], step.padding[a], 1, step.ceil_mode);
      return [n, c, o(h, 0), o(w, 1)];
    }
    case 'adaptive_avg_pool2d': {
      const [n, c] = shapes[step.in];
      return [n, c, ...step.out];
    }
    case 'flatten': {
      const [n, ...rest] = shapes[step.in];
      return [n, rest.reduce((a, b) => a * b, 1)];
    }
    default:
      return shapes[step.in];
  }
}

const same = (a: Shape, b: Shape) => a.length === b.length && a.every((v, i) => v === b[i]);

/** One random step over the values so far (null when the pick does not fit; the caller retries). */
function random_step(r: Rng, shapes: Shape[], steps: readonly Step[], linear_only: boolean): Step | null {
  // mostly extend the newest value (chains), sometimes branch from an older one (DAGs, residuals)
  const i = r.chance(0.7) ? shapes.length - 1 : r.int(0, shapes.length - 1);
  const s = shapes[i];
  const four_d = s.length === 4;
  const kinds = four_d
    ? ['conv2d', 'conv2d', 'bn', 'act', 'act', 'binary', 'scalar', 'cat', 'pool', 'pool', 'adaptive', 'flatten']
    : ['linear', 'linear', 'act', 'act', 'binary', 'scalar', 'cat'];
  if (r.chance(0.06)) kinds.push('reuse', 'reuse', 'linear');
  const kind = r.pick(kinds);
  const elems = s.reduce((a, b) => a * b, 1) / s[0];
  switch (kind) {
    case 'conv2d':
      return conv_step(r, i, s);
    case 'linear': {
      const fin = s[s.length - 1];
      if (fin > 512) return null;
      return {
        op: 'linear',
        in: i,
        fin,
        fout: r.chance(0.15) ? r.int(25, 80) : r.int(1, 24),
        bias: r.chance(0.8),
        ...weight_extras(r),
      };
    }
    case 'bn':
      return { op: 'batch_norm2d', in: i, c: s[1] };
    case 'reuse': {
      const fits = steps
        .map((st, j) =>
          (st.op === 'conv2d' && four_d && st.cin === s[1] && step_shape({ ...st, in: i }, shapes, steps)[2] > 0) ||
          (st.op === 'linear' && st.fin === s[s.length - 1])
            ? j
            : -1,
        )
        .filter((j) => j >= 0);
      if (!fits.length) return null;
      const of = r.pick(fits);
      const st = steps[of];
      // a conv whose output would be empty on this input does not fit
      if (st.op === 'conv2d' && step_shape({ ...st, in: i }, shapes, steps).some((v) => v < 1)) return null;
      return { op: 'reuse', in: i, of };
    }
    case 'act':
      return { op: r.pick(['relu', 'relu6', 'hardswish'] as const), in: i, form: r.pick(['module', 'function']) };
    case 'binary': {
      const partners = shapes.map((t, j) => (same(t, s) ? j : -1)).filter((j) => j >= 0);
      return { op: r.pick(['add', 'mul'] as const), a: i, b: r.pick(partners), form: r.pick(['function', 'method']) };
    }
    case 'scalar': {
      const c = r.pick([0.5, -1, 2, 1, 3.25, -0.125]);
      return { op: r.pick(['add_scalar', 'mul_scalar'] as const), in: i, c, form: r.pick(['function', 'method']) };
    }
    case 'cat': {
      // mostly channels; sometimes another axis (batch, height, width; negative spellings too)
      const dim = r.chance(0.7) ? 1 : r.int(0, s.length - 1);
      const ok = shapes
        .map((t, j) => (t.length === s.length && t.every((v, a) => a === dim || v === s[a]) ? j : -1))
        .filter((j) => j >= 0);
      const ins = [i, ...Array.from({ length: r.int(1, 2) }, () => r.pick(ok))];
      const step: Step = { op: 'cat', ins, dim: r.chance(0.2) ? dim - s.length : dim };
      const out = step_shape(step, shapes, steps);
      return out[1] > (four_d ? 3 * MAX_C : 256) || out[0] > 8 || out.slice(2).some((v) => v > 28) ? null : step;
    }
    case 'pool':
      return pool_step(r, i, s);
    case 'adaptive': {
      const out: [number, number] = r.chance(0.5) ? [1, 1] : [r.int(1, s[2]), r.int(1, s[3])];
      return { op: 'adaptive_avg_pool2d', in: i, out, form: r.pick(['module', 'function']) };
    }
    case 'flatten':
      if (elems > 1024 || linear_only) return null;
      return { op: 'flatten', in: i, form: r.pick(['module', 'function', 'method']) };
  }
  return null;
}

function random_quant(r: Rng, linear_only: boolean): QuantChoice {
  if (linear_only && r.chance(0.5))
    return {
      mode: 'dynamic',
      weight: r.pick(['per_tensor', 'per_channel'] as const),
      via: r.pick(['prepare_fx', 'quantize_dynamic'] as const),
    };
  const q: QuantChoice = { mode: 'static', global: r.pick(STATIC_PRESETS) };
  if (r.chance(0.3)) q.conv = r.pick(STATIC_PRESETS);
  if (r.chance(0.3)) q.linear = r.pick(STATIC_PRESETS);
  return q;
}

/** The spec of seed `seed`: same seed, same spec, on every machine. */
export function random_spec(seed: number): ModelSpec {
  const r = new Rng(seed);
  const linear_only = r.chance(0.25);
  const n = r.int(1, 3);
  // mostly small images; sometimes larger ones (edge tiles of the wasm kernels at other widths)
  const side = () => (r.chance(0.1) ? r.int(15, 40) : r.int(3, 14));
  const input = linear_only ? [n, r.chance(0.1) ? r.int(33, 300) : r.int(1, 32)] : [n, r.int(1, 6), side(), side()];
  const shapes: Shape[] = [input];
  const steps: Step[] = [];
  const want = r.int(1, 9);
  for (let tries = 0; steps.length < want && tries < 200; tries++) {
    const step = random_step(r, shapes, steps, linear_only);
    if (!step) continue;
    shapes.push(step_shape(step, shapes, steps));
    steps.push(step);
  }
  const last = shapes.length - 1;
  const outputs = r.chance(0.15) && last > 1 ? [last, r.int(1, last - 1)] : [last];
  const calib = {
    batches: r.int(1, 4),
    scale: r.pick([0, 0.1, 1, 1, 1, 3, 20]),
    offset: r.pick([0, 0, 0.5, -2]),
    numerics: r.chance(0.1) ? ('pytorch_x86' as const) : ('fast' as const),
  };
  return {
    seed,
    input,
    steps,
    outputs,
    quant: random_quant(r, linear_only),
    convert: { fold_clamps: r.chance(0.3), check_inputs: r.chance(0.2) },
    calib,
    check: r.chance(0.7)
      ? { batch: r.int(1, 3), scale: calib.scale, offset: calib.offset }
      : { batch: r.int(1, 3), scale: r.pick([0.01, 1, 5, 100]), offset: r.pick([0, 1, -3]) },
  };
}
