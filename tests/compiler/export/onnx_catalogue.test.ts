// Coverage of the op catalogue (runtime/quantized/op_catalogue): every float spelling, int8 lowering (the
// opt-in fxq config's included), float island and dynamic / eager swap a record names has an exporter row (the
// recurrent modules included: GRU, RNN and the cells, float and dynamic). A new catalogue record fails this test
// until it is exported.
import { describe, expect, it } from 'vitest';
import { CALL_ENTRIES, MODULE_ENTRIES } from '../../../compiler/export/onnx/op_table.js';
import { OP_CATALOGUE } from '../../../runtime/quantized/op_catalogue/index.js';
import type { ModuleClass, OpMatcher } from '../../../runtime/quantized/op_catalogue/types.js';

const has_module = (c: ModuleClass | { name: string }) =>
  MODULE_ENTRIES.some((e) => c === e.cls || (c as ModuleClass).prototype instanceof e.cls);
const has_call = (kind: 'function' | 'method', t: string) =>
  CALL_ENTRIES.some((e) => e.kind === kind && e.targets.includes(t));

describe('ONNX export covers the op catalogue', () => {
  it('every record’s spellings and int8 forms have a row', () => {
    const miss = new Set<string>();
    const check = (m: OpMatcher) => {
      if (m.module && !has_module(m.module)) miss.add(`module ${m.module.name}`);
      if (m.function && !has_call('function', m.function)) miss.add(`function ${m.function}`);
      if (m.method && !has_call('method', m.method)) miss.add(`method ${m.method}`);
    };
    for (const r of OP_CATALOGUE) {
      for (const m of r.float_island ?? []) check(m);
      for (const v of [...r.static, ...(r.opt_in ?? [])])
        for (const f of v.forms) {
          check(f.op);
          const l = f.lowering;
          if (l.kind === 'module' && !has_module(l.quantized)) miss.add(`module ${l.quantized.name} (int8)`);
          if ((l.kind === 'function' || l.kind === 'own_qparams') && !has_call('function', l.op))
            miss.add(`function ${l.op} (int8)`);
        }
      for (const s of r.dynamic ?? []) {
        if (!has_module(s.float)) miss.add(`module ${s.float.name}`);
        if (!has_module(s.quantized)) miss.add(`module ${s.quantized.name} (dynamic)`);
      }
      for (const s of r.eager_static ?? []) if (!has_module(s.quantized)) miss.add(`module ${s.quantized.name} (int8)`);
    }
    expect([...miss].sort()).toEqual([]);
  });
});
