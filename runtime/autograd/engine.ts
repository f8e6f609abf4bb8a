import { define_method } from '../tensor/dispatch.js';
import { add } from '../tensor/ops/binary.js';
import { Tensor } from '../tensor/tensor.js';
import { no_grad } from './grad_mode.js';

/** Orders the tape below `root` so every tensor comes before the inputs of its grad_fn. */
function topo_order(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // iterative DFS: deep tapes (LSTM over many steps) would overflow a recursive one
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, done] = stack.pop() as [Tensor, boolean];
    if (done) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    if (t.grad_fn) for (const i of t.grad_fn.inputs) if (i.requires_grad && !seen.has(i)) stack.push([i, false]);
  }
  return order.reverse();
}

/** Reverse-mode accumulation from `root`: leaf tensors that require grad get `.grad` summed into. */
export function run_backward(root: Tensor, gradient?: Tensor): void {
  if (!root.requires_grad) {
    throw new Error('backward(): the tensor does not require grad and has no grad_fn (was it computed under no_grad?)');
  }
  if (!gradient) {
    if (root.numel() !== 1) {
      throw new Error(`backward(): grad can be implicitly created only for scalar outputs, got shape [${root.shape}]`);
    }
    gradient = new Tensor(new Float32Array([1]), root.shape, 'float32');
  } else if (gradient.numel() !== root.numel()) {
    throw new Error(`backward(): gradient shape [${gradient.shape}] does not match output shape [${root.shape}]`);
  }
  const grads = new Map<Tensor, Tensor>([[root, gradient]]);
  no_grad(() => {
    for (const t of topo_order(root)) {
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.grad_fn) {
        t.grad = t.grad ? add(t.grad, g) : g.shape.length === t.shape.length ? g : g.reshape(t.shape);
        continue;
      }
      const input_grads = t.grad_fn.backward(g);
      const inputs = t.grad_fn.inputs;
      for (let i = 0; i < inputs.length; i++) {
        const gi = input_grads[i];
        const inp = inputs[i];
        if (!gi || !inp.requires_grad) continue;
        if (gi.numel() !== inp.numel()) {
          throw new Error(
            `autograd: ${t.grad_fn.name} returned a gradient of shape [${gi.shape}] for an input of shape [${inp.shape}]`,
          );
        }
        const prev = grads.get(inp);
        grads.set(inp, prev ? add(prev, gi) : gi);
      }
    }
  });
}

define_method('backward', (self: Tensor, gradient?: Tensor) => run_backward(self, gradient));
define_method('detach', (self: Tensor) => {
  const t = self._view_as_shape(self.shape);
  return t;
});
