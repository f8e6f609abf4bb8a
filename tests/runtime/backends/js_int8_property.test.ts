/**
 * Property tests: js qlinear / qconv2d equal a naive, exact (BigInt) evaluation of the contract in
 * runtime/backends/types.ts for random shapes, strides, paddings, dilations, groups (incl. depthwise),
 * qparams and zero points at the extremes, per-tensor and per-channel weights, with and without bias / ReLU.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { js_int8 } from '../../../runtime/backends/js/int8.js';
import type { QOutput } from '../../../runtime/backends/types.js';
import { conv_geometry_of } from './_arbitraries.js';

const f = Math.fround;

/** Round half to even, written independently of the library's. */
function rne_ref(v: number): number {
  const fl = Math.floor(v);
  const d = v - fl;
  if (d > 0.5) return fl + 1;
  if (d < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
}

function bias_q_ref(b: number, xs: number, ws: number): bigint {
  const q = rne_ref(f(b * f(1 / f(f(xs) * f(ws)))));
  return BigInt(Math.max(-2147483648, Math.min(2147483647, q)));
}

function requant_ref(acc: bigint, xs: number, ws: number, out: QOutput): number {
  const wrapped = BigInt.asIntN(32, acc); // int32 accumulator
  const mult = f(f(f(xs) * f(ws)) / f(out.scale));
  const v = rne_ref(f(f(Number(wrapped)) * mult));
  return Math.max(out.qmin, Math.min(out.qmax, v + out.zero_point));
}

const f32 = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true });
// power-of-two scales make the requantized value land exactly on .5 often, exercising round-half-to-even
const scale_arb = (min: number, max: number) =>
  fc.oneof(
    f32(min, max),
    fc.integer({ min: Math.ceil(Math.log2(min)), max: Math.floor(Math.log2(max)) }).map((e) => 2 ** e),
  );
const zp_u8 = fc.oneof(fc.constant(0), fc.constant(255), fc.integer({ min: 0, max: 255 }));
const zp_i8 = fc.oneof(fc.constant(0), fc.constant(-128), fc.constant(127), fc.integer({ min: -128, max: 127 }));
const bytes = (n: number, signed: boolean) =>
  fc.oneof(
    fc.uint8Array({ minLength: n, maxLength: n }),
    fc.constant(new Uint8Array(n).fill(signed ? 0x80 : 0)),
    fc.constant(new Uint8Array(n).fill(signed ? 0x7f : 255)),
  );

const weight_arb = (n: number, k: number) =>
  fc.record({
    data: bytes(n * k, true).map((b) => new Int8Array(b.buffer, b.byteOffset, b.length)),
    per_channel: fc.boolean(),
    scales: fc.array(scale_arb(1e-4, 0.5), { minLength: n, maxLength: n }),
    zps: fc.array(zp_i8, { minLength: n, maxLength: n }),
    sym: fc.boolean(),
    bias: fc.option(fc.array(f32(-50, 50), { minLength: n, maxLength: n }), { nil: null }),
  });

const out_arb = fc.record({ scale: scale_arb(1e-3, 4), zero_point: zp_u8, relu: fc.boolean() });

function pack(
  w: { data: Int8Array; per_channel: boolean; scales: number[]; zps: number[]; sym: boolean; bias: number[] | null },
  n: number,
  k: number,
) {
  const m = w.per_channel ? n : 1;
  const scales = Float32Array.from(w.scales.slice(0, m));
  const zero_points = Int32Array.from(w.sym ? new Array(m).fill(0) : w.zps.slice(0, m));
  const bias = w.bias ? Float32Array.from(w.bias) : null;
  return {
    src: { data: w.data, n, k, scales, zero_points, bias },
    ws: (c: number) => scales[w.per_channel ? c : 0],
    wz: (c: number) => zero_points[w.per_channel ? c : 0],
  };
}

describe('js int8 kernels equal the exact contract', () => {
  it('qlinear (≥ 200 random cases)', () => {
    const arb = fc
      .record({
        m: fc.integer({ min: 1, max: 4 }),
        k: fc.integer({ min: 1, max: 48 }),
        n: fc.integer({ min: 1, max: 12 }),
      })
      .chain(({ m, k, n }) =>
        fc.record({
          m: fc.constant(m),
          k: fc.constant(k),
          n: fc.constant(n),
          x: bytes(m * k, false),
          xs: scale_arb(1e-4, 2),
          xz: zp_u8,
          w: weight_arb(n, k),
          out: out_arb,
        }),
      );
    fc.assert(
      fc.property(arb, ({ m, k, n, x, xs, xz, w, out: o }) => {
        const p = pack(w, n, k);
        const out: QOutput = { scale: o.scale, zero_point: o.zero_point, qmin: o.relu ? o.zero_point : 0, qmax: 255 };
        const y = js_int8.qlinear({ data: x, scale: xs, zero_point: xz }, m, js_int8.pack_qweight(p.src), out);
        for (let r = 0; r < m; r++) {
          for (let c = 0; c < n; c++) {
            let acc = p.src.bias ? bias_q_ref(p.src.bias[c], xs, p.ws(c)) : 0n;
            for (let j = 0; j < k; j++) acc += BigInt(x[r * k + j] - xz) * BigInt(w.data[c * k + j] - p.wz(c));
            expect(y[r * n + c]).toBe(requant_ref(acc, xs, p.ws(c), out));
          }
        }
      }),
      { numRuns: 250, seed: 4242 },
    );
  });

  it('qconv2d with stride, padding, dilation, groups and depthwise (≥ 200 random cases)', () => {
    const geo = fc
      .record({
        batch: fc.integer({ min: 1, max: 2 }),
        groups: fc.integer({ min: 1, max: 3 }),
        cig: fc.integer({ min: 1, max: 3 }),
        cog: fc.integer({ min: 1, max: 3 }),
        depthwise: fc.boolean(),
        h: fc.integer({ min: 1, max: 8 }),
        w: fc.integer({ min: 1, max: 8 }),
        kh: fc.integer({ min: 1, max: 3 }),
        kw: fc.integer({ min: 1, max: 3 }),
        sh: fc.integer({ min: 1, max: 3 }),
        sw: fc.integer({ min: 1, max: 3 }),
        ph: fc.integer({ min: 0, max: 2 }),
        pw: fc.integer({ min: 0, max: 2 }),
        dh: fc.integer({ min: 1, max: 2 }),
        dw: fc.integer({ min: 1, max: 2 }),
      })
      .map((g) => ({ ...g, cig: g.depthwise ? 1 : g.cig }))
      .filter((g) => g.h + 2 * g.ph >= g.dh * (g.kh - 1) + 1 && g.w + 2 * g.pw >= g.dw * (g.kw - 1) + 1);
    const arb = geo.chain((g) => {
      const ci = g.cig * g.groups;
      const co = g.cog * g.groups;
      const k = g.cig * g.kh * g.kw;
      return fc.record({
        g: fc.constant(g),
        x: bytes(g.batch * ci * g.h * g.w, false),
        xs: scale_arb(1e-4, 2),
        xz: zp_u8,
        wt: weight_arb(co, k),
        out: out_arb,
      });
    });
    fc.assert(
      fc.property(arb, ({ g, x, xs, xz, wt, out: o }) => {
        const ci = g.cig * g.groups;
        const co = g.cog * g.groups;
        const k = g.cig * g.kh * g.kw;
        const p = pack(wt, co, k);
        const out: QOutput = { scale: o.scale, zero_point: o.zero_point, qmin: o.relu ? o.zero_point : 0, qmax: 255 };
        const geom = conv_geometry_of({ ...g, in_h: g.h, in_w: g.w });
        const y = js_int8.qconv2d({ data: x, scale: xs, zero_point: xz }, geom, js_int8.pack_qweight(p.src), out);
        const oh = Math.floor((g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh) + 1;
        const ow = Math.floor((g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw) + 1;
        expect(y.length).toBe(g.batch * co * oh * ow);
        for (let b = 0; b < g.batch; b++) {
          for (let oc = 0; oc < co; oc++) {
            const gi = Math.floor(oc / g.cog);
            for (let oy = 0; oy < oh; oy++) {
              for (let ox = 0; ox < ow; ox++) {
                let acc = p.src.bias ? bias_q_ref(p.src.bias[oc], xs, p.ws(oc)) : 0n;
                for (let c = 0; c < g.cig; c++) {
                  for (let u = 0; u < g.kh; u++) {
                    for (let v = 0; v < g.kw; v++) {
                      const iy = oy * g.sh - g.ph + u * g.dh;
                      const ix = ox * g.sw - g.pw + v * g.dw;
                      const inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
                      const xv = inside ? x[((b * ci + gi * g.cig + c) * g.h + iy) * g.w + ix] : xz; // padding reads as x_zp
                      acc += BigInt(xv - xz) * BigInt(wt.data[((oc * g.cig + c) * g.kh + u) * g.kw + v] - p.wz(oc));
                    }
                  }
                }
                expect(y[((b * co + oc) * oh + oy) * ow + ox]).toBe(requant_ref(acc, xs, p.ws(oc), out));
              }
            }
          }
        }
      }),
      { numRuns: 250, seed: 777 },
    );
  });

  it('qlinear_acc returns the exact int32 accumulator (dynamic quantization)', () => {
    const arb = fc
      .record({
        m: fc.integer({ min: 1, max: 3 }),
        k: fc.integer({ min: 1, max: 40 }),
        n: fc.integer({ min: 1, max: 8 }),
      })
      .chain(({ m, k, n }) =>
        fc.record({
          m: fc.constant(m),
          k: fc.constant(k),
          n: fc.constant(n),
          x: bytes(m * k, false),
          xz: zp_u8,
          w: weight_arb(n, k),
        }),
      );
    fc.assert(
      fc.property(arb, ({ m, k, n, x, xz, w }) => {
        const p = pack(w, n, k);
        const acc = js_int8.qlinear_acc(x, xz, m, js_int8.pack_qweight(p.src));
        for (let r = 0; r < m; r++) {
          for (let c = 0; c < n; c++) {
            let s = 0;
            for (let j = 0; j < k; j++) s += (x[r * k + j] - xz) * (w.data[c * k + j] - p.wz(c));
            expect(acc[r * n + c]).toBe(s);
          }
        }
      }),
      { numRuns: 200, seed: 99 },
    );
  });
});
