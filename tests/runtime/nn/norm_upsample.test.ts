// GroupNorm, InstanceNorm2d and Upsample / F.interpolate against torch's documented formulas, as naive loops.
import { describe, expect, it } from 'vitest';
import { F, Generator, gradcheck, nn, no_grad, randn, type Tensor, tensor } from '../../../index.js';

function rnd(shape: number[], seed: number, requires_grad = false): Tensor {
  const t = randn(shape, { generator: new Generator(seed) });
  t.requires_grad = requires_grad;
  return t;
}

function close(got: Tensor, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.data.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got.data[i] - want[i]), `element ${i}`).toBeLessThan(tol);
}

/** torch.nn.GroupNorm's docs: y = (x − E[x]) / √(Var[x] + eps) · γ + β per group, biased variance. */
function group_norm_naive(x: Tensor, groups: number, gamma: Tensor | null, beta: Tensor | null, eps: number) {
  const [n, c] = x.shape;
  const inner = x.numel() / (n * c);
  const per = (c / groups) * inner;
  const out = new Float64Array(x.numel());
  for (let i = 0; i < n * groups; i++) {
    let m = 0;
    for (let j = 0; j < per; j++) m += x.data[i * per + j];
    m /= per;
    let v = 0;
    for (let j = 0; j < per; j++) v += (x.data[i * per + j] - m) ** 2;
    v /= per;
    for (let j = 0; j < per; j++) {
      const ch = ((i % groups) * per + j) / inner;
      const cc = Math.floor(ch);
      out[i * per + j] =
        ((x.data[i * per + j] - m) / Math.sqrt(v + eps)) * (gamma ? gamma.data[cc] : 1) + (beta ? beta.data[cc] : 0);
    }
  }
  return out;
}

describe('GroupNorm', () => {
  it('normalises each group of channels (documented formula), with and without affine', () => {
    const x = rnd([3, 6, 4, 5], 1);
    const g = rnd([6], 2);
    const b = rnd([6], 3);
    for (const groups of [1, 2, 3, 6]) {
      close(F.group_norm(x, groups, { weight: g, bias: b, eps: 1e-5 }), group_norm_naive(x, groups, g, b, 1e-5));
      close(F.group_norm(x, groups), group_norm_naive(x, groups, null, null, 1e-5));
    }
    expect(() => F.group_norm(x, 4)).toThrow(/divisible by num_groups/);
  });

  it('is a module with weight 1 / bias 0, torch names and repr', () => {
    const m = new nn.GroupNorm(2, 6);
    expect(Object.keys(m.state_dict())).toEqual(['weight', 'bias']);
    expect([...m.weight!.data]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(String(m)).toBe('GroupNorm(2, 6, eps=1e-05, affine=True)');
    expect(Object.keys(new nn.GroupNorm(3, 6, { affine: false }).state_dict())).toEqual([]);
    const x = rnd([2, 6, 3, 3], 4);
    close(
      no_grad(() => m.forward(x)),
      group_norm_naive(x, 2, null, null, 1e-5),
    );
  });

  it('passes gradcheck for input, weight and bias', () => {
    const x = rnd([2, 4, 3, 2], 5, true);
    const g = rnd([4], 6, true);
    const b = rnd([4], 7, true);
    expect(gradcheck((a, gg, bb) => F.group_norm(a, 2, { weight: gg, bias: bb }), [x, g, b])).toBe(true);
  });
});

describe('InstanceNorm2d', () => {
  it('normalises each (sample, channel) plane: group norm with one group per channel', () => {
    const x = rnd([3, 4, 5, 5], 8);
    const m = new nn.InstanceNorm2d(4);
    expect(Object.keys(m.state_dict())).toEqual([]);
    expect(String(m)).toBe('InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)');
    close(m.forward(x), group_norm_naive(x, 4, null, null, 1e-5));
    m.eval(); // no running statistics: eval still uses the instance's own
    close(m.forward(x), group_norm_naive(x, 4, null, null, 1e-5));
    // unbatched [C, H, W]
    close(m.forward(x.narrow(0, 1, 1).squeeze(0)), [...m.forward(x).data.slice(4 * 25, 8 * 25)]);
    const l = rnd([2, 4, 7], 16);
    close(new nn.InstanceNorm1d(4).forward(l), group_norm_naive(l, 4, null, null, 1e-5));
    expect(() => new nn.InstanceNorm1d(4).forward(x)).toThrow(/InstanceNorm1d: expected input \[N, 4, L\]/);
  });

  it('affine + track_running_stats: torch names, running-stat update, eval uses the running statistics', () => {
    const m = new nn.InstanceNorm2d(3, { affine: true, track_running_stats: true, momentum: 0.2 });
    expect(Object.keys(m.state_dict())).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    m.weight!.data.set([1.5, -0.5, 2]);
    m.bias!.data.set([0.1, 0.2, -0.3]);
    const x = rnd([2, 3, 4, 4], 9);
    close(m.forward(x), group_norm_naive(x, 3, m.weight, m.bias, 1e-5));
    // running = 0.8·running + 0.2·(mean over the batch of each instance's mean / unbiased variance)
    const plane = 16;
    for (let c = 0; c < 3; c++) {
      let mean = 0;
      let uvar = 0;
      for (let n = 0; n < 2; n++) {
        const base = (n * 3 + c) * plane;
        let m1 = 0;
        for (let j = 0; j < plane; j++) m1 += x.data[base + j];
        m1 /= plane;
        let v = 0;
        for (let j = 0; j < plane; j++) v += (x.data[base + j] - m1) ** 2;
        mean += m1 / 2;
        uvar += v / (plane - 1) / 2;
      }
      expect(m.running_mean!.data[c]).toBeCloseTo(0.2 * mean, 6);
      expect(m.running_var!.data[c]).toBeCloseTo(0.8 + 0.2 * uvar, 6);
    }
    m.eval();
    const y = m.forward(x);
    for (let i = 0; i < x.numel(); i++) {
      const c = Math.floor(i / plane) % 3;
      const want =
        ((x.data[i] - m.running_mean!.data[c]) / Math.sqrt(m.running_var!.data[c] + 1e-5)) * m.weight!.data[c] +
        m.bias!.data[c];
      expect(Math.abs(y.data[i] - want)).toBeLessThan(1e-5);
    }
  });

  it('passes gradcheck (affine)', () => {
    const x = rnd([2, 2, 3, 3], 10, true);
    const g = rnd([2], 11, true);
    const b = rnd([2], 12, true);
    expect(gradcheck((a, gg, bb) => F.instance_norm(a, { weight: gg, bias: bb }), [x, g, b])).toBe(true);
  });
});

/** torch's source index for 'nearest': min(floor(dst · scale), in − 1), scale = 1/scale_factor or in/out (float32). */
function nearest_naive(x: Tensor, oh: number, ow: number, sf: number | null) {
  const [n, c, h, w] = x.shape;
  const sh = Math.fround(sf ? 1 / sf : h / oh);
  const sw = Math.fround(sf ? 1 / sf : w / ow);
  const out: number[] = [];
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        const iy = Math.min(Math.floor(Math.fround(y * sh)), h - 1);
        const ix = Math.min(Math.floor(Math.fround(xx * sw)), w - 1);
        out.push(x.data[(p * h + iy) * w + ix]);
      }
  return out;
}

/** Bilinear as torch's area_pixel_compute_source_index: half-pixel centres (clamped at 0) or aligned corners. */
function bilinear_naive(x: Tensor, oh: number, ow: number, align: boolean, sf: number | null) {
  const [n, c, h, w] = x.shape;
  const scale = (i: number, o: number) => (align ? (o > 1 ? (i - 1) / (o - 1) : 0) : sf ? 1 / sf : i / o);
  const src = (d: number, s: number) => (align ? s * d : Math.max(s * (d + 0.5) - 0.5, 0));
  const out: number[] = [];
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        const fy = src(y, scale(h, oh));
        const fx = src(xx, scale(w, ow));
        const y0 = Math.floor(fy);
        const x0 = Math.floor(fx);
        const y1 = Math.min(y0 + 1, h - 1);
        const x1 = Math.min(x0 + 1, w - 1);
        const ly = fy - y0;
        const lx = fx - x0;
        const at = (a: number, b: number) => x.data[(p * h + a) * w + b];
        out.push((1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) + ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1)));
      }
  return out;
}

describe('Upsample / F.interpolate', () => {
  const x22 = tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] });

  it("reproduces torch.nn.Upsample's documented examples (nearest, bilinear, align_corners)", () => {
    expect([...new nn.Upsample({ scale_factor: 2, mode: 'nearest' }).forward(x22).data]).toEqual([
      1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4,
    ]);
    close(
      new nn.Upsample({ scale_factor: 2, mode: 'bilinear' }).forward(x22),
      [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4],
    );
    const t = 1 / 3;
    close(new nn.Upsample({ scale_factor: 2, mode: 'bilinear', align_corners: true }).forward(x22), [
      1,
      1 + t,
      2 - t,
      2,
      1 + 2 * t,
      2,
      2 + t,
      3 - t,
      2 + t,
      3 - t,
      3,
      3 + t,
      3,
      3 + t,
      4 - t,
      4,
    ]);
    expect(String(new nn.Upsample({ scale_factor: 2, mode: 'bilinear' }))).toBe(
      "Upsample(scale_factor=2.0, mode='bilinear')",
    );
    expect(String(new nn.Upsample({ size: [4, 8] }))).toBe("Upsample(size=(4, 8), mode='nearest')");
    // the fixed-mode subclasses: nearest, and bilinear with align_corners=True
    expect([...new nn.UpsamplingNearest2d({ scale_factor: 2 }).forward(x22).data]).toEqual([
      ...new nn.Upsample({ scale_factor: 2 }).forward(x22).data,
    ]);
    close(new nn.UpsamplingBilinear2d({ size: 4 }).forward(x22), [
      ...new nn.Upsample({ size: 4, mode: 'bilinear', align_corners: true }).forward(x22).data,
    ]);
    expect(String(new nn.UpsamplingBilinear2d({ scale_factor: 2 }))).toBe(
      "UpsamplingBilinear2d(scale_factor=2.0, mode='bilinear')",
    );
  });

  it('matches the index formulas for sizes and non-integer scale factors', () => {
    const x = rnd([2, 3, 5, 7], 13);
    for (const [oh, ow] of [
      [7, 3],
      [10, 14],
      [3, 11],
    ]) {
      expect([...F.interpolate(x, { size: [oh, ow] }).data]).toEqual(nearest_naive(x, oh, ow, null));
      for (const align of [false, true])
        close(
          F.interpolate(x, { size: [oh, ow], mode: 'bilinear', align_corners: align }),
          bilinear_naive(x, oh, ow, align, null),
        );
    }
    const y = F.interpolate(x, { scale_factor: 1.5 });
    expect(y.shape).toEqual([2, 3, 7, 10]);
    expect([...y.data]).toEqual(nearest_naive(x, 7, 10, 1.5));
    close(F.interpolate(x, { scale_factor: 1.5, mode: 'bilinear' }), bilinear_naive(x, 7, 10, false, 1.5));
    // 1-d nearest
    const l = rnd([1, 2, 5], 14);
    expect([...F.interpolate(l, { size: 8 }).data]).toEqual(nearest_naive(l.reshape(1, 2, 1, 5), 1, 8, null));
    expect(() => F.interpolate(x, { mode: 'nearest', size: 3, align_corners: true })).toThrow(/align_corners/);
    expect(() => F.interpolate(x, {})).toThrow(/exactly one of size or scale_factor/);
  });

  it('passes gradcheck (nearest, bilinear, align_corners)', () => {
    const x = rnd([1, 2, 3, 4], 15, true);
    expect(gradcheck((a) => F.interpolate(a, { size: [5, 7] }), [x])).toBe(true);
    expect(gradcheck((a) => F.interpolate(a, { scale_factor: 2, mode: 'bilinear' }), [x])).toBe(true);
    expect(gradcheck((a) => F.interpolate(a, { size: [4, 3], mode: 'bilinear', align_corners: true }), [x])).toBe(true);
  });
});
