/**
 * Shared by the backend property and conformance tests: a seeded generator (so one fast-check seed drives
 * a whole case), zero-point arbitraries biased to the range edges, the Conv2dGeometry built from a random
 * record, and the first-difference message used to compare two kernels' outputs.
 */
import fc from 'fast-check';
import type { Conv2dGeometry } from '../../../runtime/backends/types.js';

/** Deterministic uniform [0, 1) generator (an LCG), independent of Math.random and of fast-check. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `n` float32 values uniform in [−1, 1) drawn from `rnd`. */
export function uniform_f32(n: number, rnd: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => rnd() * 2 - 1);
}

/** `n` integers uniform in [lo, hi] drawn from `rnd`. */
export function ints(n: number, lo: number, hi: number, rnd: () => number): number[] {
  return Array.from({ length: n }, () => lo + Math.floor(rnd() * (hi - lo + 1)));
}

/** null when `a` (js) and `b` (wasm) are identical, else where they first differ. */
export function first_diff(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `index ${i}: js ${a[i]} wasm ${b[i]}`;
  return null;
}

/** quint8 zero points, often at 0, 128 and 255. */
export const zp_u8 = fc.oneof(fc.constantFrom(0, 255, 128), fc.integer({ min: 0, max: 255 }));
/** qint8 zero points, often at 0, −128 and 127. */
export const zp_i8 = fc.oneof(fc.constantFrom(0, -128, 127), fc.integer({ min: -128, max: 127 }));

/** A random convolution's sizes: channels per group (cig in, cog out), kernel, stride, padding, dilation. */
export interface ConvRecord {
  batch: number;
  groups: number;
  cig: number;
  cog: number;
  in_h: number;
  in_w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

/** The backend Conv2dGeometry of a ConvRecord (in/out channels = per-group counts × groups). */
export function conv_geometry_of(r: ConvRecord): Conv2dGeometry {
  return {
    batch: r.batch,
    in_channels: r.groups * r.cig,
    in_h: r.in_h,
    in_w: r.in_w,
    out_channels: r.groups * r.cog,
    kernel_h: r.kh,
    kernel_w: r.kw,
    stride: [r.sh, r.sw],
    padding: [r.ph, r.pw],
    dilation: [r.dh, r.dw],
    groups: r.groups,
  };
}

type Range = [number, number];

/** Ranges of a random convolution (inclusive); `cig` may list several ranges (short and long reductions). */
export interface ConvRanges {
  groups: Range;
  cig: Range[];
  cog: Range;
  kh: Range;
  kw: Range;
  /** stride, both axes */
  stride: Range;
  /** padding, both axes */
  padding: Range;
  dh: Range;
  dw: Range;
  /** rows / columns beyond the smallest input the (dilated) kernel fits */
  extra_h: Range;
  extra_w: Range;
  /** also draw depthwise convs (one input channel per group) */
  depthwise?: boolean;
}

/** Random Conv2dGeometry (batch 1–2) within `r`, the input always large enough for the dilated kernel. */
export function conv_geometry_arb(r: ConvRanges): fc.Arbitrary<Conv2dGeometry> {
  const int = ([min, max]: Range) => fc.integer({ min, max });
  return fc
    .record({
      batch: fc.integer({ min: 1, max: 2 }),
      groups: int(r.groups),
      cig: fc.oneof(...r.cig.map(int)),
      cog: int(r.cog),
      depthwise: r.depthwise ? fc.boolean() : fc.constant(false),
      kh: int(r.kh),
      kw: int(r.kw),
      sh: int(r.stride),
      sw: int(r.stride),
      ph: int(r.padding),
      pw: int(r.padding),
      dh: int(r.dh),
      dw: int(r.dw),
      extra_h: int(r.extra_h),
      extra_w: int(r.extra_w),
    })
    .map((x): Conv2dGeometry => {
      const min_h = Math.max(1, x.dh * (x.kh - 1) + 1 - 2 * x.ph);
      const min_w = Math.max(1, x.dw * (x.kw - 1) + 1 - 2 * x.pw);
      return conv_geometry_of({
        ...x,
        // depthwise: one input channel per group (groups = in_channels, optional channel multiplier cog)
        groups: x.depthwise ? x.groups * x.cig : x.groups,
        cig: x.depthwise ? 1 : x.cig,
        in_h: min_h + x.extra_h,
        in_w: min_w + x.extra_w,
      });
    });
}
