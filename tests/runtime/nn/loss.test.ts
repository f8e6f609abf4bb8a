import { describe, expect, it } from 'vitest';
import { gradcheck, log_softmax, nn, type Tensor, tensor } from '../../../index.js';

const { cross_entropy, nll_loss, mse_loss, CrossEntropyLoss, MSELoss, NLLLoss } = nn;
const vals = (t: Tensor) => [...t.data];

/** float64 log-softmax of one row, the independent reference. */
function ref_logp(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

const logits = [
  [1, 2, 3],
  [1, -1, 0],
  [0.5, 0.2, -2],
  [2, 2, 2],
];
const labels = [2, 0, 1, 1];

function x(): Tensor {
  return tensor(logits, { requires_grad: true });
}
const y = () => tensor(labels, { dtype: 'int64' });

describe('cross_entropy / nll_loss', () => {
  it('matches torch values and reductions', () => {
    // torch: F.cross_entropy(torch.tensor([[1., 2., 3.]]), torch.tensor([2])) = 0.40760596
    expect(cross_entropy(tensor([[1, 2, 3]]), tensor([2], { dtype: 'int64' })).item()).toBeCloseTo(0.40760596, 6);
    const per = logits.map((r, i) => -ref_logp(r)[labels[i]]);
    const none = cross_entropy(x(), y(), { reduction: 'none' });
    expect(none.shape).toEqual([4]);
    vals(none).forEach((v, i) => {
      expect(v).toBeCloseTo(per[i], 6);
    });
    expect(cross_entropy(x(), y()).item()).toBeCloseTo(per.reduce((a, b) => a + b) / 4, 6);
    expect(cross_entropy(x(), y(), { reduction: 'sum' }).item()).toBeCloseTo(
      per.reduce((a, b) => a + b),
      5,
    );
    expect(nll_loss(log_softmax(x(), 1), y()).item()).toBeCloseTo(per.reduce((a, b) => a + b) / 4, 6);
  });

  it('weight and ignore_index follow torch (mean divides by the summed target weights)', () => {
    const w = [0.2, 1, 3];
    const per = logits.map((r, i) => -w[labels[i]] * ref_logp(r)[labels[i]]);
    const target = tensor([2, 0, -100, 1], { dtype: 'int64' });
    const got = cross_entropy(x(), target, { weight: tensor(w) }).item();
    expect(got).toBeCloseTo((per[0] + per[1] + per[3]) / (w[2] + w[0] + w[1]), 6);
    const none = vals(cross_entropy(x(), target, { weight: tensor(w), reduction: 'none' }));
    expect(none[2]).toBe(0);
  });

  it('label smoothing: torch formula (1 − ε)·nll + ε/C·smooth', () => {
    const eps = 0.1;
    const C = 3;
    // unweighted: the smoothed target distribution's cross entropy, averaged over N
    const per = logits.map((r, i) => {
      const lp = ref_logp(r);
      return lp.reduce((s, v, c) => s - ((c === labels[i] ? 1 - eps : 0) + eps / C) * v, 0);
    });
    expect(cross_entropy(x(), y(), { label_smoothing: eps }).item()).toBeCloseTo(per.reduce((a, b) => a + b) / 4, 6);
    // weighted + ignore: smooth = −Σ_c w_c logp_c, zeroed where ignored, summed / Σ w[target]
    const w = [0.2, 1, 3];
    const target = [2, 0, -100, 1];
    let nll = 0;
    let smooth = 0;
    let tw = 0;
    logits.forEach((r, i) => {
      if (target[i] === -100) return;
      const lp = ref_logp(r);
      nll -= w[target[i]] * lp[target[i]];
      smooth -= lp.reduce((s, v, c) => s + w[c] * v, 0);
      tw += w[target[i]];
    });
    const want = (1 - eps) * (nll / tw) + (eps / C) * (smooth / tw);
    const got = cross_entropy(x(), tensor(target, { dtype: 'int64' }), {
      weight: tensor(w),
      label_smoothing: eps,
    }).item();
    expect(got).toBeCloseTo(want, 6);
  });

  it('probability targets and spatial [N, C, d] inputs', () => {
    const p = tensor([
      [0.2, 0.3, 0.5],
      [1, 0, 0],
      [0, 1, 0],
      [0.3, 0.3, 0.4],
    ]);
    const per = logits.map((r, i) => ref_logp(r).reduce((s, v, c) => s - (p.data[i * 3 + c] as number) * v, 0));
    expect(cross_entropy(x(), p).item()).toBeCloseTo(per.reduce((a, b) => a + b) / 4, 6);
    // [N=1, C=3, d=4] is the [4, 3] case transposed
    const spatial = x().t().unsqueeze(0);
    expect(cross_entropy(spatial, y().unsqueeze(0)).item()).toBeCloseTo(cross_entropy(x(), y()).item(), 6);
    // unbatched [C] with a 0-d target
    expect(cross_entropy(tensor([1, 2, 3]), tensor(2, { dtype: 'int64' })).item()).toBeCloseTo(0.40760596, 6);
  });

  it('gradients', () => {
    gradcheck((a) => cross_entropy(a, y()), [x()]);
    gradcheck((a) => cross_entropy(a, y(), { reduction: 'sum', weight: tensor([0.5, 1, 2]) }), [x()]);
    gradcheck((a) => cross_entropy(a, tensor([2, -100, 0, 1], { dtype: 'int64' }), { label_smoothing: 0.2 }), [x()]);
    gradcheck(
      (a) => cross_entropy(a, y(), { reduction: 'none', label_smoothing: 0.1, weight: tensor([0.5, 1, 2]) }),
      [x()],
    );
    gradcheck((a) => cross_entropy(a.t().unsqueeze(0), y().unsqueeze(0)), [x()]);
    gradcheck((a) => nll_loss(a, y(), { weight: tensor([0.5, 1, 2]) }), [x()]);
    gradcheck(
      (a, b) => mse_loss(a, b),
      [
        x(),
        tensor(
          logits.map((r) => r.map((v) => v * 0.5 + 0.1)),
          { requires_grad: true },
        ),
      ],
    );
  });

  it('bad input names the op and the shapes', () => {
    expect(() => cross_entropy(x(), tensor([0, 1, 2]))).toThrow(
      "cross_entropy: a float32 target is read as class probabilities and must have the input's shape [4, 3], got [3] (class-index targets must be int64)",
    );
    expect(() => nll_loss(x(), tensor([0, 1, 2, 1]))).toThrow(/nll_loss: expected target of an integer dtype/);
    expect(() => cross_entropy(x(), tensor([0, 1, 2], { dtype: 'int64' }))).toThrow(
      'cross_entropy: input [4, 3] ([N, C, *] or [C]) needs target [4] ([N, *]), got target [3]',
    );
    expect(() => cross_entropy(x(), tensor([0, 1, 3, 0], { dtype: 'int64' }))).toThrow(
      /target 3 at position 2 is out of bounds for 3 classes/,
    );
    expect(() => mse_loss(x(), tensor([1, 2, 3]))).toThrow(
      'mse_loss: input [4, 3] and target [3] must have the same shape',
    );
    expect(() => cross_entropy(x(), y(), { reduction: 'avg' as never })).toThrow(
      /cross_entropy: reduction must be 'none', 'mean' or 'sum'/,
    );
  });
});

describe('loss modules', () => {
  it('CrossEntropyLoss / NLLLoss / MSELoss call the functions with their settings', () => {
    const ce = new CrossEntropyLoss({ label_smoothing: 0.1, weight: tensor([1, 2, 3]) });
    expect(ce.forward(x(), y()).item()).toBeCloseTo(
      cross_entropy(x(), y(), { label_smoothing: 0.1, weight: tensor([1, 2, 3]) }).item(),
      7,
    );
    expect(Object.keys(ce.state_dict())).toEqual(['weight']);
    expect(Object.keys(new CrossEntropyLoss().state_dict())).toEqual([]);
    expect(new NLLLoss({ reduction: 'sum' }).forward(log_softmax(x(), 1), y()).item()).toBeCloseTo(
      cross_entropy(x(), y(), { reduction: 'sum' }).item(),
      5,
    );
    const mse = new MSELoss({ reduction: 'sum' });
    expect(mse.forward(tensor([1, 2]), tensor([0, 4])).item()).toBe(5);
    expect(new MSELoss().forward(tensor([1, 2]), tensor([0, 4])).item()).toBe(2.5);
  });
});
