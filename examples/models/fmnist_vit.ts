/**
 * FmnistViT, as the PyTorch reference (docs/reference/models.py) defines it (attribute names = PyTorch state_dict keys):
 * a small pre-norm vision transformer — 4×4 patches (49 tokens) + a cls token, D 64, 4 heads of 16, 4 blocks,
 * MLP 128, exact erf GELU, LayerNorm eps 1e-5, no dropout. Attention is written out op by op as the reference
 * does, so tracing sees every op PyTorch's FX sees (Linear qkv, reshape/permute, getitem, matmul, `* scale`,
 * the softmax function, matmul, transpose/reshape). `qkv[0]` and `x[:, 0]` are spelled `qkv.index(0)` and
 * `x.index(null, 0)` (Tensor.index is Python's basic indexing).
 */
import { add, cat, Generator, matmul, mul, nn, randn, softmax, type Tensor, zeros } from '../../index.js';
import { load_state_from_file, weights_path } from './common.js';

/** Pre-norm transformer block: x + proj(attention(norm1(x))), then x + fc2(GELU(fc1(norm2(x)))). */
export class ViTBlock extends nn.Module {
  dim: number;
  heads: number;
  head_dim: number;
  tokens: number;
  scale: number;
  norm1: nn.LayerNorm;
  qkv: nn.Linear;
  proj: nn.Linear;
  norm2: nn.LayerNorm;
  fc1: nn.Linear;
  act: nn.GELU;
  fc2: nn.Linear;

  constructor(dim = 64, heads = 4, mlp = 128, tokens = 50) {
    super();
    this.dim = dim;
    this.heads = heads;
    this.head_dim = dim / heads;
    this.tokens = tokens;
    this.scale = this.head_dim ** -0.5;
    this.norm1 = new nn.LayerNorm(dim);
    this.qkv = new nn.Linear(dim, 3 * dim);
    this.proj = new nn.Linear(dim, dim);
    this.norm2 = new nn.LayerNorm(dim);
    this.fc1 = new nn.Linear(dim, mlp);
    this.act = new nn.GELU();
    this.fc2 = new nn.Linear(mlp, dim);
  }

  forward(x: Tensor): Tensor {
    const n = x.shape[0];
    const h = this.norm1.forward(x);
    const qkv = this.qkv.forward(h).reshape(n, this.tokens, 3, this.heads, this.head_dim).permute(2, 0, 3, 1, 4);
    const q = qkv.index(0);
    const k = qkv.index(1);
    const v = qkv.index(2);
    let attn = mul(matmul(q, k.transpose(-2, -1)), this.scale);
    attn = softmax(attn, -1);
    const o = matmul(attn, v).transpose(1, 2).reshape(n, this.tokens, this.dim);
    x = add(x, this.proj.forward(o));
    return add(x, this.fc2.forward(this.act.forward(this.fc1.forward(this.norm2.forward(x)))));
  }
}

/** The ViT classifier for 1×28×28 Fashion-MNIST images, 10 logits out (139,018 parameters). */
export class FmnistViT extends nn.Module {
  patch: nn.Conv2d;
  cls_token: nn.Parameter;
  pos_embed: nn.Parameter;
  blocks: nn.ModuleList;
  norm: nn.LayerNorm;
  head: nn.Linear;

  constructor(dim = 64, depth = 4, heads = 4, mlp = 128, patch = 4, num_classes = 10) {
    super();
    const tokens = Math.floor(28 / patch) ** 2 + 1;
    this.patch = new nn.Conv2d(1, dim, patch, { stride: patch });
    this.cls_token = new nn.Parameter(zeros([1, 1, dim]));
    this.pos_embed = new nn.Parameter(zeros([1, tokens, dim]));
    this.blocks = new nn.ModuleList(Array.from({ length: depth }, () => new ViTBlock(dim, heads, mlp, tokens)));
    this.norm = new nn.LayerNorm(dim);
    this.head = new nn.Linear(dim, num_classes);
  }

  forward(x: Tensor): Tensor {
    x = this.patch.forward(x).flatten(2).transpose(1, 2); // [N, 49, D]
    const cls = this.cls_token.expand(x.shape[0], -1, -1); // [N, 1, D]
    x = cat([cls, x], 1); // [N, 50, D]
    x = add(x, this.pos_embed);
    for (const blk of this.blocks) x = (blk as ViTBlock).forward(x);
    x = this.norm.forward(x);
    x = x.index(null, 0);
    return this.head.forward(x);
  }
}

/** Model name: the weights file and ONNX file stem. */
export const name = 'fmnist_vit';

/** A fresh FmnistViT (PyTorch's default initialisation for the layers; cls_token and pos_embed zero, as the reference). */
export default function create(): FmnistViT {
  return new FmnistViT();
}

/** One normalised-image-shaped input [1, 1, 28, 28] (seeded), for tracing and prepare_fx. */
export function example_inputs(): Tensor[] {
  return [randn([1, 1, 28, 28], { generator: new Generator(0) })];
}

/** Loads trained weights (default examples/weights/fmnist_vit.safetensors) strictly; returns the model. */
export function load_weights(model: FmnistViT, path: string = weights_path(name)): FmnistViT {
  return load_state_from_file(model, path);
}
