// Conv1d and ConvTranspose2d against torch's documented formulas, written as naive loops.
import { describe, expect, it } from 'vitest';
import { F, Generator, gradcheck, nn, no_grad, randn, type Tensor } from '../../../index.js';

function rnd(shape: number[], seed: number, requires_grad = false): Tensor {
  const t = randn(shape, { generator: new Generator(seed) });
  t.requires_grad = requires_grad;
  return t;
}

function close(got: Tensor, want: Float64Array | number[], tol = 1e-5): void {
  expect(got.data.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got.data[i] - want[i]), `element ${i}`).toBeLessThan(tol);
}

/** torch.nn.Conv1d's docs: out(N_i, C_out_j) = bias(C_out_j) + Σ_k weight(C_out_j, k) ⋆ input(N_i, k). */
function conv1d_naive(x: Tensor, w: Tensor, b: Tensor | null, s: number, p: number, d: number, groups: number) {
  const [n, cin, l] = x.shape;
  const [cout, cg, k] = w.shape;
  const lout = Math.floor((l + 2 * p - d * (k - 1) - 1) / s) + 1;
  const out = new Float64Array(n * cout * lout);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < cout; o++) {
      const g = Math.floor(o / (cout / groups));
      for (let t = 0; t < lout; t++) {
        let acc = b ? b.data[o] : 0;
        for (let c = 0; c < cg; c++)
          for (let j = 0; j < k; j++) {
            const pos = t * s - p + j * d;
            if (pos >= 0 && pos < l) acc += w.data[(o * cg + c) * k + j] * x.data[(i * cin + g * cg + c) * l + pos];
          }
        out[(i * cout + o) * lout + t] = acc;
      }
    }
  return { out, shape: [n, cout, lout] };
}

/**
 * torch.nn.ConvTranspose2d's docs, read as a gather: out[n, o, y, x] = bias[o] + Σ over input pixels (ih, iw)
 * and taps (a, b) with ih·s − p + a·d = y and iw·s − p + b·d = x of input[n, c, ih, iw] · weight[c, o mod og, a, b].
 */
function conv_transpose_naive(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  s: [number, number],
  p: [number, number],
  op: [number, number],
  d: [number, number],
  groups: number,
) {
  const [n, cin, h, wd] = x.shape;
  const [, og, kh, kw] = w.shape;
  const cout = og * groups;
  const ig = cin / groups;
  const oh = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1;
  const ow = (wd - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1;
  const out = new Float64Array(n * cout * oh * ow);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < cout; o++) {
      const g = Math.floor(o / og);
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++) {
          let acc = b ? b.data[o] : 0;
          for (let c = g * ig; c < (g + 1) * ig; c++)
            for (let a = 0; a < kh; a++)
              for (let bb = 0; bb < kw; bb++) {
                const ty = y + p[0] - a * d[0];
                const tx = xx + p[1] - bb * d[1];
                if (ty % s[0] !== 0 || tx % s[1] !== 0) continue;
                const ih = ty / s[0];
                const iw = tx / s[1];
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                acc += x.data[((i * cin + c) * h + ih) * wd + iw] * w.data[((c * og + (o % og)) * kh + a) * kw + bb];
              }
          out[((i * cout + o) * oh + y) * ow + xx] = acc;
        }
    }
  return { out, shape: [n, cout, oh, ow] };
}

describe('Conv1d', () => {
  it('matches the documented cross-correlation (stride, padding, dilation, groups, bias)', () => {
    for (const [s, p, d, g] of [
      [1, 0, 1, 1],
      [2, 1, 2, 2],
      [3, 2, 1, 4],
    ]) {
      const x = rnd([2, 4, 11], 1);
      const w = rnd([8, 4 / g, 3], 2);
      const b = rnd([8], 3);
      const want = conv1d_naive(x, w, b, s, p, d, g);
      const y = F.conv1d(x, w, b, { stride: s, padding: p, dilation: d, groups: g });
      expect(y.shape).toEqual(want.shape);
      close(y, want.out);
    }
    // padding 'same' keeps the length
    expect(F.conv1d(rnd([1, 2, 9], 4), rnd([3, 2, 4], 5), null, { padding: 'same' }).shape).toEqual([1, 3, 9]);
  });

  it('is a module with torch state_dict names, repr and init bounds', () => {
    const m = new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1, groups: 2 });
    expect(Object.keys(m.state_dict())).toEqual(['weight', 'bias']);
    expect(m.weight.shape).toEqual([6, 2, 3]);
    expect(String(m)).toBe('Conv1d(4, 6, kernel_size=(3,), stride=(2,), padding=(1,), groups=2)');
    const bound = 1 / Math.sqrt(2 * 3);
    for (const v of m.weight.data) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    const x = rnd([2, 4, 10], 6);
    close(
      no_grad(() => m.forward(x)),
      conv1d_naive(x, m.weight, m.bias, 2, 1, 1, 2).out,
    );
    expect(() => m.forward(rnd([2, 3, 10], 7))).toThrow(/Conv1d: expected input \[N, 4, L\]/);
  });

  it('passes gradcheck for input, weight and bias', () => {
    const x = rnd([2, 4, 7], 8, true);
    const w = rnd([4, 2, 3], 9, true);
    const b = rnd([4], 10, true);
    expect(
      gradcheck((a, ww, bb) => F.conv1d(a, ww, bb, { stride: 2, padding: 1, dilation: 2, groups: 2 }), [x, w, b]),
    ).toBe(true);
  });
});

describe('ConvTranspose2d', () => {
  const cases: [string, [number, number], [number, number], [number, number], [number, number], number][] = [
    ['plain', [1, 1], [0, 0], [0, 0], [1, 1], 1],
    ['stride 2, padding 1, output_padding 1', [2, 2], [1, 1], [1, 1], [1, 1], 1],
    ['asymmetric stride/padding, groups 2', [2, 3], [0, 1], [1, 2], [1, 1], 2],
    ['dilation 2, output_padding via dilation', [1, 2], [2, 1], [1, 0], [2, 2], 2],
  ];
  for (const [name, s, p, op, d, g] of cases) {
    it(`matches the documented scatter as a gather: ${name}`, () => {
      const x = rnd([2, 4, 5, 4], 11);
      const w = rnd([4, 6 / g, 3, 2], 12);
      const b = rnd([6], 13);
      const want = conv_transpose_naive(x, w, b, s, p, op, d, g);
      const y = F.conv_transpose2d(x, w, b, { stride: s, padding: p, output_padding: op, dilation: d, groups: g });
      expect(y.shape).toEqual(want.shape);
      close(y, want.out);
    });
  }

  it("is conv2d's input gradient", () => {
    const x = rnd([1, 4, 9, 8], 14, true);
    const w = rnd([6, 2, 3, 3], 15);
    const opts = { stride: [2, 2] as [number, number], padding: [1, 1] as [number, number], dilation: 1, groups: 2 };
    const y = F.conv2d(x, w, null, opts);
    const g = rnd(y.shape, 16);
    y.backward(g);
    // conv2d weight [out, in/g] is conv_transpose2d's [in, out/g] layout for the reverse direction
    const t = F.conv_transpose2d(g, w, null, { ...opts, output_padding: [0, 1] });
    expect(t.shape).toEqual(x.shape);
    close(t, Array.from(x.grad!.data), 1e-4);
  });

  it('is a module with torch state_dict names, weight layout [in, out/groups, kh, kw] and repr', () => {
    const m = new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, output_padding: 1, groups: 2 });
    expect(Object.keys(m.state_dict())).toEqual(['weight', 'bias']);
    expect(m.weight.shape).toEqual([4, 3, 3, 3]);
    expect(String(m)).toBe(
      'ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), groups=2)',
    );
    expect(no_grad(() => m.forward(rnd([1, 4, 5, 5], 17))).shape).toEqual([1, 6, 10, 10]);
    expect(() => F.conv_transpose2d(rnd([1, 4, 5, 5], 18), m.weight, null, { stride: 2, output_padding: 2 })).toThrow(
      /output_padding/,
    );
  });

  it('passes gradcheck for input, weight and bias', () => {
    const x = rnd([1, 4, 3, 4], 19, true);
    const w = rnd([4, 2, 3, 2], 20, true);
    const b = rnd([4], 21, true);
    const f = (a: Tensor, ww: Tensor, bb: Tensor) =>
      F.conv_transpose2d(a, ww, bb, {
        stride: [2, 1],
        padding: [1, 0],
        output_padding: [1, 0],
        dilation: [1, 2],
        groups: 2,
      });
    expect(gradcheck(f, [x, w, b])).toBe(true);
  });
});
