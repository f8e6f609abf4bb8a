/**
 * set_fp32_numerics('pytorch_x86_zen5') against PyTorch 1.13's own float32 tensors on the FmnistViT reference
 * machine: the dynamic-quantization golden (tests/fixtures/reference/golden/fmnist_vit_dynamic.*) holds the float
 * input and output of block 0's Linears for image 0, so block 0's fp32 pieces between them can be checked bit for
 * bit — patch conv + cls cat + pos_embed add + LayerNorm (norm1 = qkv's input), the attention (reshape, two bmm,
 * × 0.25, softmax = proj's input), add + LayerNorm (norm2 = fc1's input) and GELU (fc2's input).
 */
import { describe, expect, it } from 'vitest';
import { FmnistViT, load_weights } from '../../../examples/models/fmnist_vit.js';
import { add, cat, matmul, mul, no_grad, softmax, type Tensor } from '../../../index.js';
import { with_fp32_numerics } from '../../../runtime/backends/fp32_numerics.js';
import { load_golden } from '../../compiler/quantize_fx_helpers.js';

const d = load_golden('fmnist_vit_dynamic').t;
const x = d['input/x_fp32'].narrow(0, 0, 1);
type Block = {
  norm1: { forward(t: Tensor): Tensor };
  norm2: { forward(t: Tensor): Tensor };
  act: { forward(t: Tensor): Tensor };
};
const model = load_weights(new FmnistViT()).eval();
const block0 = [...model.blocks][0] as unknown as Block;

/** Fraction of bit-equal values (the golden dumps image 0 without its batch dim). */
function exact(a: Tensor, b: Tensor): number {
  expect(a.numel()).toBe(b.numel());
  let n = 0;
  for (let i = 0; i < b.data.length; i++) if (Object.is(a.data[i], b.data[i])) n++;
  return n / b.data.length;
}

/** The block input: patch conv → flatten → transpose, cls token cat, + pos_embed. */
const tokens = (): Tensor => {
  const h = model.patch.forward(x).flatten(2).transpose(1, 2);
  return add(cat([model.cls_token.expand(1, -1, -1), h], 1), model.pos_embed);
};

describe("set_fp32_numerics('pytorch_x86_zen5'): FmnistViT block 0 in float32 equals PyTorch's bits", () => {
  it('patch conv, cat, add and LayerNorm: norm1 = the golden qkv input (3,200 values)', () => {
    const mine = with_fp32_numerics('pytorch_x86_zen5', () => no_grad(() => block0.norm1.forward(tokens())));
    expect(exact(mine, d['blocks.0.qkv/in_fp32_img0'])).toBe(1);
    // the default numerics do not (float64 statistics)
    expect(
      exact(
        no_grad(() => block0.norm1.forward(tokens())),
        d['blocks.0.qkv/in_fp32_img0'],
      ),
    ).toBeLessThan(0.9);
  });

  it('attention: bmm (OpenBLAS Haswell), × 0.25, softmax (8-lane sum), bmm = the golden proj input', () => {
    const qkv = d['blocks.0.qkv/out_fp32_img0'].reshape(1, 50, 3, 4, 16).permute(2, 0, 3, 1, 4);
    const attend = () => {
      const a = softmax(mul(matmul(qkv.index(0), qkv.index(1).transpose(-2, -1)), 0.25), -1);
      return matmul(a, qkv.index(2)).transpose(1, 2).reshape(1, 50, 64);
    };
    expect(exact(with_fp32_numerics('pytorch_x86_zen5', attend), d['blocks.0.proj/in_fp32_img0'])).toBe(1);
  });

  it('residual add + LayerNorm (norm2) and GELU (oneDNN gelu_erf) = the golden fc1 / fc2 inputs', () => {
    const [n2, g] = with_fp32_numerics('pytorch_x86_zen5', () =>
      no_grad(() => [
        block0.norm2.forward(add(tokens(), d['blocks.0.proj/out_fp32_img0'])),
        block0.act.forward(d['blocks.0.fc1/out_fp32_img0']),
      ]),
    );
    expect(exact(n2, d['blocks.0.fc1/in_fp32_img0'])).toBe(1);
    expect(exact(g, d['blocks.0.fc2/in_fp32_img0'])).toBe(1);
  });
});
