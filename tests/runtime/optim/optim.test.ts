import { describe, expect, it } from 'vitest';
import { nn, optim, type Tensor, tensor } from '../../../index.js';

const { SGD, Adam, AdamW, lr_scheduler } = optim;

function param(values: number[]): nn.Parameter {
  return new nn.Parameter(tensor(values));
}
function set_grad(p: Tensor, g: number[]): void {
  p.grad = tensor(g);
}
const vals = (t: Tensor) => [...t.data];
const close = (a: number[], b: number[], tol = 1e-6) =>
  a.forEach((v, i) => {
    expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i])));
  });

/** Minimises Σ (x − c)² with autograd, returning the final x. */
function minimise(
  make: (p: nn.Parameter) => optim.Optimizer | { step(): unknown; zero_grad(): void },
  steps: number,
): number[] {
  const c = tensor([3, -2, 0.5]);
  const x = param([0, 0, 0]);
  const opt = make(x);
  for (let i = 0; i < steps; i++) {
    opt.zero_grad();
    const d = x.sub(c);
    d.mul(d).sum().backward();
    opt.step();
  }
  return vals(x);
}

describe('SGD', () => {
  it('one step per torch formula (weight decay, momentum, dampening, nesterov)', () => {
    const p = param([1, -2]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.25, weight_decay: 0.01 });
    set_grad(p, [0.5, 0.3]);
    opt.step();
    // first step: buf = d = g + wd·p = [0.51, 0.28]; p = p − lr·buf
    close(vals(p), [1 - 0.1 * 0.51, -2 - 0.1 * 0.28]);
    const p1 = vals(p);
    set_grad(p, [-0.2, 0.1]);
    opt.step();
    // second: d = g + wd·p1; buf = 0.9·buf + 0.75·d
    const d = [-0.2 + 0.01 * p1[0], 0.1 + 0.01 * p1[1]];
    const buf = [0.9 * 0.51 + 0.75 * d[0], 0.9 * 0.28 + 0.75 * d[1]];
    close(vals(p), [p1[0] - 0.1 * buf[0], p1[1] - 0.1 * buf[1]]);
    const nest = param([1]);
    const on = new SGD([nest], { lr: 0.5, momentum: 0.5, nesterov: true });
    set_grad(nest, [2]);
    on.step();
    // nesterov: buf = 2, d = g + m·buf = 3, p = 1 − 0.5·3
    close(vals(nest), [-0.5]);
  });

  it('converges on a quadratic, with and without momentum', () => {
    close(
      minimise((p) => new SGD([p], { lr: 0.1 }), 100),
      [3, -2, 0.5],
      1e-4,
    );
    close(
      minimise((p) => new SGD([p], { lr: 0.05, momentum: 0.9, nesterov: true }), 200),
      [3, -2, 0.5],
      1e-4,
    );
  });

  it('param groups, zero_grad and bad input', () => {
    const a = param([1]);
    const b = param([1]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
    expect(opt.param_groups.map((g) => g.lr)).toEqual([0.1, 1]);
    set_grad(a, [1]);
    set_grad(b, [1]);
    opt.step();
    close([...vals(a), ...vals(b)], [0.9, 0]);
    opt.zero_grad();
    expect(a.grad).toBeNull();
    set_grad(a, [1]);
    opt.zero_grad(false);
    expect(vals(a.grad as Tensor)).toEqual([0]);
    // a module's parameters() generator works as in torch
    class Net extends nn.Module {
      w = param([1, 2]);
      b = param([3]);
    }
    const net = new Net();
    const from_module = new SGD(net.parameters(), { lr: 0.5 });
    expect(from_module.param_groups[0].params).toEqual([net.w, net.b]);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/SGD: optimizer got an empty parameter list/);
    expect(() => new SGD([a, a])).toThrow(/more than one parameter group/);
    expect(() => new SGD([a], { lr: -1 })).toThrow('SGD: invalid learning rate: -1');
    expect(() => new SGD([a.mul(2)])).toThrow(/can't optimize a non-leaf Tensor/);
    expect(() => new SGD([a], { nesterov: true })).toThrow(/nesterov momentum requires a momentum/);
  });
});

describe('Adam', () => {
  it('two steps per torch formula (bias correction, weight decay, amsgrad)', () => {
    for (const amsgrad of [false, true]) {
      const p = param([0.5, -1]);
      const opt = new Adam([p], { lr: 0.01, betas: [0.8, 0.9], eps: 1e-6, weight_decay: 0.1, amsgrad });
      let w = [0.5, -1];
      let m = [0, 0];
      let v = [0, 0];
      let vmax = [0, 0];
      const grads = [
        [0.3, -0.2],
        [-0.1, -0.4],
      ];
      grads.forEach((g0, k) => {
        const t = k + 1;
        set_grad(p, g0);
        opt.step();
        const g = g0.map((gi, i) => gi + 0.1 * w[i]);
        m = m.map((mi, i) => 0.8 * mi + 0.2 * g[i]);
        v = v.map((vi, i) => 0.9 * vi + 0.1 * g[i] * g[i]);
        vmax = vmax.map((x, i) => Math.max(x, v[i]));
        const vv = amsgrad ? vmax : v;
        w = w.map(
          (wi, i) => wi - (0.01 / (1 - 0.8 ** t)) * (m[i] / (Math.sqrt(vv[i]) / Math.sqrt(1 - 0.9 ** t) + 1e-6)),
        );
        close(vals(p), w, 2e-6);
      });
      expect((opt.state.get(p)?.step as number) ?? 0).toBe(2);
    }
  });

  it('AdamW decays decoupled from the gradient', () => {
    const p = param([2]);
    const opt = new AdamW([p], { lr: 0.1, weight_decay: 0.5 });
    set_grad(p, [1]);
    opt.step();
    // p·(1 − lr·wd) then the Adam step of size lr (m̂/√v̂ = 1 on the first step)
    close(vals(p), [2 * (1 - 0.05) - 0.1 * (1 / (1 + 1e-8))]);
  });

  it('converges on a quadratic; state_dict round-trips', () => {
    close(
      minimise((p) => new Adam([p], { lr: 0.1 }), 400),
      [3, -2, 0.5],
      1e-3,
    );
    const p = param([1, 2]);
    const opt = new Adam([p], { lr: 0.1 });
    set_grad(p, [1, 1]);
    opt.step();
    const sd = opt.state_dict();
    expect(sd.param_groups[0].params).toEqual([0]);
    expect(sd.state[0].step).toBe(1);
    const q = param([1, 2]);
    const opt2 = new Adam([q], { lr: 0.5 });
    opt2.load_state_dict(sd);
    expect(opt2.param_groups[0].lr).toBe(0.1);
    expect(vals(opt2.state.get(q)?.exp_avg as Tensor)).toEqual(vals(opt.state.get(p)?.exp_avg as Tensor));
  });
});

describe('lr_scheduler', () => {
  it('StepLR multiplies by gamma every step_size epochs', () => {
    const opt = new SGD([param([1])], { lr: 1 });
    const s = new lr_scheduler.StepLR(opt, 2, { gamma: 0.5 });
    const seen = [s.get_last_lr()[0]];
    for (let i = 0; i < 5; i++) {
      opt.step();
      s.step();
      seen.push(opt.param_groups[0].lr);
    }
    expect(seen).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it('CosineAnnealingLR follows the closed form, also past T_max', () => {
    const opt = new SGD([param([1])], { lr: 0.1 });
    const s = new lr_scheduler.CosineAnnealingLR(opt, 10, { eta_min: 0.001 });
    for (let e = 0; e <= 25; e++) {
      const want = 0.001 + ((0.1 - 0.001) * (1 + Math.cos((Math.PI * e) / 10))) / 2;
      expect(opt.param_groups[0].lr).toBeCloseTo(want, 12);
      s.step();
    }
    expect(s.base_lrs).toEqual([0.1]);
    const e = new lr_scheduler.ExponentialLR(new SGD([param([1])], { lr: 1 }), 0.5);
    e.step();
    expect(e.get_last_lr()).toEqual([0.5]);
  });
});
