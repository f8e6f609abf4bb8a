/**
 * Module schemas of the layers issue #16 part 2 adds (ELU, LeakyReLU, GroupNorm, InstanceNorm1d / 2d, Embedding,
 * EmbeddingBag; their int8 forms): constructor arguments
 * checked and the tensors each owns, before anything is allocated (see module_schemas.ts).
 */
import type { ExpectedTensor, ModuleSchema } from './module_schemas.js';
import { MAX_SIZE } from './module_schemas.js';
import { arity, bool, fail, int, num, opts, out_qparams, small, t } from './schema_checks.js';

const finite = (v: unknown, name: string) => num(v, name, -Number.MAX_VALUE, Number.MAX_VALUE);
const inplace = (v: unknown) => bool(opts(v, ['inplace']).inplace, 'inplace', false);
/** An output scale and zero point as constructor arguments (quint8). */
function out_args(a: unknown[]): void {
  num(a[0], 'scale', Number.MIN_VALUE, Number.MAX_VALUE);
  int(a[1], 'zero_point', 0, 255);
}

/** Float per-channel weight and bias of `c` elements when `affine`. */
const affine_tensors = (affine: boolean, c: number): ExpectedTensor[] =>
  affine ? [t('weight', 'F32', 'float', [c]), t('bias', 'F32', 'float', [c])] : [];
/** The `null` placeholders a quantized norm's constructor takes for weight and bias (the state_dict fills them). */
function null_pair(a: unknown[], i: number): void {
  if (a[i] !== null || a[i + 1] !== null) fail('arguments weight and bias must be null (the weights file holds them)');
}

/** nn.GroupNorm / nn.quantized.GroupNorm: groups dividing channels, eps, affine tensors (+ output qparams). */
function group_norm(quantized: boolean): ModuleSchema {
  return {
    children: 'none',
    tensors: (a) => {
      arity(a, quantized ? 6 : 2, quantized ? 7 : 3);
      const g = int(a[0], 'num_groups', 1, MAX_SIZE);
      const c = int(a[1], 'num_channels', 1, MAX_SIZE);
      if (c % g) fail(`num_channels ${c} is not divisible by num_groups ${g}`);
      if (quantized) {
        null_pair(a, 2);
        out_args(a.slice(4));
      }
      const o = opts(a[quantized ? 6 : 2], ['eps', 'affine']);
      if (o.eps !== undefined) num(o.eps, 'eps', 0, 1);
      const affine = bool(o.affine, 'affine', true);
      return [...affine_tensors(affine, c), ...(quantized ? out_qparams : [])];
    },
  };
}

/** nn.InstanceNorm1d / 2d and their int8 forms: features, eps, momentum, affine / running tensors (+ output qparams). */
function instance_norm(quantized: boolean): ModuleSchema {
  return {
    children: 'none',
    tensors: (a) => {
      arity(a, quantized ? 5 : 1, quantized ? 6 : 2);
      const c = int(a[0], 'num_features', 1, MAX_SIZE);
      if (quantized) {
        null_pair(a, 1);
        out_args(a.slice(3));
      }
      const o = opts(a[quantized ? 5 : 1], ['eps', 'momentum', 'affine', 'track_running_stats']);
      if (o.eps !== undefined) num(o.eps, 'eps', 0, 1);
      if (o.momentum !== undefined) num(o.momentum, 'momentum', 0, 1);
      const out = affine_tensors(bool(o.affine, 'affine', false), c);
      if (bool(o.track_running_stats, 'track_running_stats', false))
        out.push(
          t('running_mean', 'F32', 'float', [c]),
          t('running_var', 'F32', 'float', [c]),
          t('num_batches_tracked', 'I64', 'count', []),
        );
      return quantized ? [...out, ...out_qparams] : out;
    },
  };
}

/** Float or row-wise quantized (quint8: dim + 8 bytes a row; quint4x2: dim / 2 + 4) embedding tables. */
function embedding(bag: boolean, quantized: boolean): ModuleSchema {
  return {
    children: 'none',
    tensors: (a) => {
      arity(a, 2, 3);
      const n = int(a[0], 'num_embeddings', 1, MAX_SIZE);
      const d = int(a[1], 'embedding_dim', 1, MAX_SIZE);
      const keys = [...(bag ? ['mode', 'include_last_offset'] : []), 'padding_idx', ...(quantized ? ['dtype'] : [])];
      const o = opts(a[2], keys);
      if (o.padding_idx !== undefined && o.padding_idx !== null) int(o.padding_idx, 'padding_idx', -n, n - 1);
      if (bag) {
        if (o.mode !== undefined && o.mode !== 'sum' && o.mode !== 'mean' && o.mode !== 'max')
          fail(`argument mode = ${JSON.stringify(o.mode)} is not 'sum', 'mean' or 'max'`);
        bool(o.include_last_offset, 'include_last_offset', false);
      }
      if (!quantized) return [t('weight', 'F32', 'float', [n, d])];
      const dtype = o.dtype ?? 'quint8';
      if (dtype !== 'quint8' && dtype !== 'quint4x2')
        fail(`argument dtype = ${JSON.stringify(dtype)} is not quint8 or quint4x2`);
      if (dtype === 'quint4x2' && d % 2) fail(`argument embedding_dim ${d} is odd (quint4x2 packs two values a byte)`);
      return [t('_packed_weight', 'U8', 'qweight', [n, dtype === 'quint8' ? d + 8 : d / 2 + 4])];
    },
  };
}

/** The schemas of this file, by artifact type name (merged into MODULE_SCHEMAS). */
export const NORM_ACT_EMBED_SCHEMAS: readonly [string, ModuleSchema][] = [
  [
    'nn.ELU',
    small(2, (a) => {
      if (a.length > 0) finite(a[0], 'alpha');
      inplace(a[1]);
    }),
  ],
  [
    'nn.LeakyReLU',
    small(2, (a) => {
      if (a.length > 0) finite(a[0], 'negative_slope');
      inplace(a[1]);
    }),
  ],
  ['nn.GroupNorm', group_norm(false)],
  ['nn.quantized.GroupNorm', group_norm(true)],
  ['nn.InstanceNorm1d', instance_norm(false)],
  ['nn.InstanceNorm2d', instance_norm(false)],
  ['nn.quantized.InstanceNorm1d', instance_norm(true)],
  ['nn.quantized.InstanceNorm2d', instance_norm(true)],
  ['nn.Embedding', embedding(false, false)],
  ['nn.EmbeddingBag', embedding(true, false)],
  ['nn.quantized.Embedding', embedding(false, true)],
  ['nn.quantized.EmbeddingBag', embedding(true, true)],
  [
    'nn.quantized.ELU',
    small(3, (a) => {
      arity(a, 2, 3);
      out_args(a);
      if (a.length > 2) finite(a[2], 'alpha');
    }),
  ],
  [
    'nn.quantized.LeakyReLU',
    {
      children: 'none',
      tensors: (a) => {
        arity(a, 2, 4);
        out_args(a);
        if (a.length > 2) finite(a[2], 'negative_slope');
        inplace(a[3]);
        return out_qparams;
      },
    },
  ],
];
