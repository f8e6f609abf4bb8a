/** F.pad with constant padding over the trailing dims, with its gradient (a crop). */
import { record_grad } from '../../autograd/function.js';
import { define_function } from '../../tensor/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { check_float, fmt } from './_util.js';

/** Options of F.pad. Only mode 'constant' is implemented. */
export interface PadOptions {
  mode?: 'constant';
  value?: number;
}

/**
 * F.pad(input, pad, {mode='constant', value=0}): `pad` lists (left, right) pairs starting from the
 * last dim, as torch does; negative amounts crop.
 */
export const pad = define_function(
  'F.pad',
  (input: Tensor, pad: readonly number[], options: PadOptions = {}): Tensor => {
    const op = 'F.pad';
    check_float(input, op);
    const mode = options.mode ?? 'constant';
    if (mode !== 'constant') throw new Error(`${op}: mode '${mode}' is not implemented (only 'constant')`);
    if (pad.length % 2 !== 0 || pad.length / 2 > input.ndim) {
      throw new Error(`${op}: pad ${fmt(pad)} must have an even length of at most 2·ndim (input ${fmt(input.shape)})`);
    }
    const value = options.value ?? 0;
    const nd = input.ndim;
    const before = new Array<number>(nd).fill(0);
    const out_shape = [...input.shape];
    for (let i = 0; i < pad.length / 2; i++) {
      const d = nd - 1 - i;
      before[d] = pad[2 * i];
      out_shape[d] = input.shape[d] + pad[2 * i] + pad[2 * i + 1];
      if (out_shape[d] < 0) throw new Error(`${op}: pad ${fmt(pad)} makes dim ${d} of ${fmt(input.shape)} negative`);
    }
    const total = out_shape.reduce((a, b) => a * b, 1);
    const y = new Float32Array(total);
    if (value !== 0) y.fill(value);
    const x = input.data;
    // map every input element to its output position (skipping cropped ones)
    const in_shape = input.shape;
    const out_strides = new Array<number>(nd);
    let s = 1;
    for (let d = nd - 1; d >= 0; d--) {
      out_strides[d] = s;
      s *= out_shape[d];
    }
    const map = new Int32Array(x.length);
    const idx = new Array<number>(nd).fill(0);
    for (let i = 0; i < x.length; i++) {
      let o = 0;
      let inside = true;
      for (let d = 0; d < nd; d++) {
        const od = idx[d] + before[d];
        if (od < 0 || od >= out_shape[d]) inside = false;
        o += od * out_strides[d];
      }
      map[i] = inside ? o : -1;
      if (inside) y[o] = x[i];
      for (let d = nd - 1; d >= 0; d--) {
        if (++idx[d] < in_shape[d]) break;
        idx[d] = 0;
      }
    }
    const out = new Tensor(y, out_shape, 'float32');
    return record_grad(out, [input], 'ConstantPadNdBackward', (g) => {
      const gd = g.data;
      const gx = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) if (map[i] >= 0) gx[i] = gd[map[i]];
      return [new Tensor(gx, in_shape, 'float32')];
    });
  },
);
