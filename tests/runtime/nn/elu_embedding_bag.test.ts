// ELU, LeakyReLU and EmbeddingBag against torch's documented formulas, and every new layer under symbolic_trace.
import { describe, expect, it } from 'vitest';
import { add, F, fx, Generator, gradcheck, nn, no_grad, randn, type Tensor, tensor } from '../../../index.js';

function rnd(shape: number[], seed: number, requires_grad = false): Tensor {
  const t = randn(shape, { generator: new Generator(seed) });
  t.requires_grad = requires_grad;
  return t;
}

function close(got: Tensor, want: ArrayLike<number>, tol = 1e-6): void {
  expect(got.data.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got.data[i] - want[i]), `element ${i}`).toBeLessThan(tol);
}

const idx = (v: number[], shape?: number[]) => tensor(v, { dtype: 'int64', shape: shape ?? [v.length] });

describe('ELU and LeakyReLU', () => {
  it('ELU(x) = x for x > 0, α·(exp(x) − 1) otherwise', () => {
    const x = rnd([3, 7], 1);
    for (const alpha of [1, 0.5, 2.5]) {
      const want = [...x.data].map((v) => (v > 0 ? v : alpha * (Math.exp(v) - 1)));
      close(new nn.ELU(alpha).forward(x), want);
    }
    expect(String(new nn.ELU())).toBe('ELU(alpha=1.0)');
    expect(gradcheck((a) => F.elu(a, { alpha: 1.7 }), [rnd([4, 5], 2, true)])).toBe(true);
  });

  it('LeakyReLU(x) = max(0, x) + negative_slope · min(0, x)', () => {
    const x = rnd([3, 7], 3);
    const want = [...x.data].map((v) => Math.max(0, v) + Math.fround(0.2) * Math.min(0, v));
    close(new nn.LeakyReLU(0.2).forward(x), want);
    expect(String(new nn.LeakyReLU(0.2))).toBe('LeakyReLU(negative_slope=0.2)');
    expect(gradcheck((a) => F.leaky_relu(a, { negative_slope: 0.3 }), [rnd([4, 5], 4, true)])).toBe(true);
  });
});

/** torch.nn.EmbeddingBag's docs: per bag, the sum / mean / max of its rows (padding_idx rows skipped). */
function bag_naive(
  w: Tensor,
  bags: number[][],
  mode: 'sum' | 'mean' | 'max',
  weights: number[][] | null = null,
  pad: number | null = null,
) {
  const dim = w.shape[1];
  const out: number[] = [];
  bags.forEach((bag, b) => {
    const rows = bag.map((r, i) => [r, weights ? weights[b][i] : 1]).filter(([r]) => r !== pad);
    for (let j = 0; j < dim; j++) {
      const vals = rows.map(([r, s]) => w.data[r * dim + j] * s);
      if (vals.length === 0) out.push(0);
      else if (mode === 'sum') out.push(vals.reduce((a, v) => a + v, 0));
      else if (mode === 'mean') out.push(vals.reduce((a, v) => a + v, 0) / vals.length);
      else out.push(Math.max(...vals));
    }
  });
  return out;
}

describe('EmbeddingBag', () => {
  const w = rnd([10, 3], 5);
  // bags [1, 2, 4], [], [5, 4, 3, 9]: offsets 0, 3, 3 (one empty bag)
  const flat = [1, 2, 4, 5, 4, 3, 9];
  const bags = [[1, 2, 4], [], [5, 4, 3, 9]];

  it('sum / mean / max over 1-d input with offsets (an empty bag gives zeros)', () => {
    for (const mode of ['sum', 'mean', 'max'] as const) {
      const y = F.embedding_bag(idx(flat), w, { offsets: idx([0, 3, 3]), mode });
      expect(y.shape).toEqual([3, 3]);
      close(y, bag_naive(w, bags, mode));
    }
    // include_last_offset: the last offset closes the last bag
    close(
      F.embedding_bag(idx(flat), w, { offsets: idx([0, 3, 3, 7]), mode: 'sum', include_last_offset: true }),
      bag_naive(w, bags, 'sum'),
    );
  });

  it('2-d input, per_sample_weights (sum) and padding_idx', () => {
    const two = [
      [1, 2, 0],
      [7, 0, 0],
    ];
    close(
      F.embedding_bag(idx(two.flat(), [2, 3]), w, { mode: 'mean', padding_idx: 0 }),
      bag_naive(w, two, 'mean', null, 0),
    );
    const psw = rnd([7], 6);
    const pw = [[...psw.data.slice(0, 3)], [], [...psw.data.slice(3)]];
    close(
      F.embedding_bag(idx(flat), w, { offsets: idx([0, 3, 3]), mode: 'sum', per_sample_weights: psw }),
      bag_naive(w, bags, 'sum', pw),
    );
    expect(() =>
      F.embedding_bag(idx(flat), w, { offsets: idx([0, 3]), mode: 'mean', per_sample_weights: psw }),
    ).toThrow(/mode='sum'/);
    expect(() => F.embedding_bag(idx([1, 12]), w, { offsets: idx([0]) })).toThrow(/out of range/);
    expect(() => F.embedding_bag(idx([1, 2], [1, 2]), w, { offsets: idx([0]) })).toThrow(/offsets must be None/);
  });

  it('is a module with torch names, N(0, 1) init with a zero padding row, and repr', () => {
    const m = new nn.EmbeddingBag(10, 3, { mode: 'max', padding_idx: 2 });
    expect(Object.keys(m.state_dict())).toEqual(['weight']);
    expect([...m.weight.data.slice(6, 9)]).toEqual([0, 0, 0]);
    expect(String(m)).toBe('EmbeddingBag(10, 3, mode=max, padding_idx=2)');
    close(
      no_grad(() => m.forward(idx(flat), idx([0, 3, 3]))),
      bag_naive(m.weight, bags, 'max', null, 2),
    );
  });

  it('passes gradcheck for the weight (sum, mean, max) and per_sample_weights', () => {
    for (const mode of ['sum', 'mean', 'max'] as const) {
      const ww = rnd([10, 3], 7, true);
      expect(
        gradcheck((a) => F.embedding_bag(idx(flat), a, { offsets: idx([0, 3, 3]), mode, padding_idx: 4 }), [ww]),
      ).toBe(true);
    }
    const ww = rnd([10, 3], 8, true);
    const psw = rnd([7], 9, true);
    expect(
      gradcheck(
        (a, p) => F.embedding_bag(idx(flat), a, { offsets: idx([0, 3]), mode: 'sum', per_sample_weights: p }),
        [ww, psw],
      ),
    ).toBe(true);
  });
});

/** Every new layer in one model: each traces as call_module (F forms as call_function) and runs identically. */
class AllLayers extends nn.Module {
  conv1d = new nn.Conv1d(2, 4, 3, { padding: 1 });
  deconv = new nn.ConvTranspose2d(4, 4, 2, { stride: 2, groups: 2 });
  up = new nn.Upsample({ scale_factor: 2, mode: 'bilinear', align_corners: false });
  gn = new nn.GroupNorm(2, 4);
  inorm = new nn.InstanceNorm2d(4, { affine: true, track_running_stats: true });
  elu = new nn.ELU(0.5);
  leaky = new nn.LeakyReLU(0.1);
  bag = new nn.EmbeddingBag(6, 8, { mode: 'sum' });
  emb = new nn.Embedding(6, 8);

  forward(x: Tensor, ids: Tensor): Tensor {
    let y = this.conv1d.forward(x.flatten(2)).reshape(-1, 4, 2, 4); // [N, 4, 8] → [N, 4, 2, 4]
    y = this.elu.forward(this.gn.forward(this.deconv.forward(y))); // [N, 4, 4, 8]
    y = this.leaky.forward(this.inorm.forward(this.up.forward(y))); // [N, 4, 8, 16]
    y = F.interpolate(y, { size: [4, 8] }).mean([2, 3]); // [N, 4]
    const bags = add(this.bag.forward(ids), this.emb.forward(ids).mean(1)); // [N, 8]
    return F.linear(bags, y.sum(0, true).expand(8, 4).t()); // [N, 8] · [8, 4]
  }
}

describe('the new layers under symbolic_trace', () => {
  it('record call_module / call_function nodes with torch names and the GraphModule equals eager bit for bit', () => {
    const m = new AllLayers().eval();
    const gm = fx.symbolic_trace(m);
    const mods = gm.graph.nodes.filter((n) => n.op === 'call_module').map((n) => n.target);
    expect(mods).toEqual(['conv1d', 'deconv', 'gn', 'elu', 'up', 'inorm', 'leaky', 'bag', 'emb']);
    expect(gm.graph.nodes.some((n) => n.op === 'call_function' && n.target === 'F.interpolate')).toBe(true);
    expect(Object.keys(gm.state_dict())).toEqual(Object.keys(m.state_dict()));
    const x = rnd([2, 2, 2, 4], 10);
    const ids = idx([0, 1, 2, 3, 4, 5], [2, 3]);
    const eager = no_grad(() => m.forward(x, ids));
    const traced = no_grad(() => gm.forward(x, ids) as Tensor);
    expect(traced.shape).toEqual([2, 4]);
    for (let i = 0; i < eager.numel(); i++) expect(Object.is(traced.data[i], eager.data[i])).toBe(true);
    // and the F forms trace as functions
    const fgm = fx.symbolic_trace(
      new (class extends nn.Module {
        forward(a: Tensor): Tensor {
          return F.elu(F.group_norm(F.conv1d(a.flatten(2), rnd([4, 2, 3], 11)).unsqueeze(3), 2));
        }
      })(),
    );
    const fns = fgm.graph.nodes.filter((n) => n.op === 'call_function').map((n) => n.target);
    expect(fns).toEqual(expect.arrayContaining(['F.conv1d', 'F.group_norm', 'F.elu']));
  });
});
