/**
 * Module schemas of the layers issue #16 part 2 adds (ELU, LeakyReLU; their int8 forms): constructor arguments
 * checked and the tensors each owns, before anything is allocated (see module_schemas.ts).
 */
import type { ModuleSchema } from './module_schemas.js';
import { arity, bool, int, num, opts, out_qparams, small } from './schema_checks.js';

const finite = (v: unknown, name: string) => num(v, name, -Number.MAX_VALUE, Number.MAX_VALUE);
const inplace = (v: unknown) => bool(opts(v, ['inplace']).inplace, 'inplace', false);
/** An output scale and zero point as constructor arguments (quint8). */
function out_args(a: unknown[]): void {
  num(a[0], 'scale', Number.MIN_VALUE, Number.MAX_VALUE);
  int(a[1], 'zero_point', 0, 255);
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
