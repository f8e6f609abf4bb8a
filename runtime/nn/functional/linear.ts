/** F.linear: y = x Wᵀ + b over the last dim, on the backend's sgemm, with gradients. */
import { record_grad } from '../../autograd/function.js';
import { get_backend } from '../../backends/registry.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt } from './_util.js';

/** F.linear(input, weight, bias?): input [..., in], weight [out, in], bias [out] → [..., out]. */
export const linear = define_function(
  'F.linear',
  (input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor => {
    check_float(input, 'F.linear');
    check_float(weight, 'F.linear', 'weight');
    if (weight.ndim !== 2)
      throw new Error(`F.linear: weight must be 2-d [out_features, in_features], got ${fmt(weight.shape)}`);
    const [n, k] = weight.shape;
    if (input.ndim < 1 || input.shape[input.ndim - 1] !== k) {
      throw new Error(`F.linear: expected input [..., ${k}] for weight ${fmt(weight.shape)}, got ${fmt(input.shape)}`);
    }
    if (bias !== null) {
      check_float(bias, 'F.linear', 'bias');
      if (bias.ndim !== 1 || bias.shape[0] !== n)
        throw new Error(`F.linear: bias must be [${n}], got ${fmt(bias.shape)}`);
    }
    const m = input.numel() / k;
    const x = input.data as Float32Array;
    const w = weight.data as Float32Array;
    const y = new Float32Array(m * n);
    const { sgemm } = get_backend().fp32;
    sgemm(m, n, k, x, w, y, { trans_b: true, bias: bias ? (bias.data as Float32Array) : null });
    const out_shape = [...input.shape.slice(0, -1), n];
    const out = new Tensor(y, out_shape, 'float32');
    const inputs = bias ? [input, weight, bias] : [input, weight];
    return record_grad(out, inputs, 'AddmmBackward', (g) => {
      const gd = g.data as Float32Array;
      // dX = G·W [m, k]; dW = Gᵀ·X [n, k]; db = Σ_rows G
      let gx: Tensor | null = null;
      let gw: Tensor | null = null;
      let gb: Tensor | null = null;
      if (input.requires_grad) {
        const d = new Float32Array(m * k);
        sgemm(m, k, n, gd, w, d);
        gx = new Tensor(d, input.shape, 'float32');
      }
      if (weight.requires_grad) {
        const d = new Float32Array(n * k);
        sgemm(n, k, m, gd, x, d, { trans_a: true });
        gw = new Tensor(d, weight.shape, 'float32');
      }
      if (bias?.requires_grad) {
        const d = new Float32Array(n);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[j] += gd[i * n + j];
        gb = new Tensor(d, bias.shape, 'float32');
      }
      return bias ? [gx, gw, gb] : [gx, gw];
    });
  },
);
