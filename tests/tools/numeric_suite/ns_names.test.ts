// The numeric suite under PyTorch's names: every `ns.X` the README and docs write exists on fxq's `ns`,
// each function both on `ns` and under the submodule torch defines it in (the same function), and
// compare_model_outputs takes a bare tensor as torch's compare_model_outputs(f, q, x) does.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { Generator, ns, randn } from '../../../index.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import create, { type TinyCNN } from '../../cli/fixtures/tiny_cnn.js';

const REPO = join(import.meta.dirname, '../../..');

/** `ns.name` references in the README and docs (prose and code). */
function documented_names(): string[] {
  const files = [
    'README.md',
    ...readdirSync(join(REPO, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const names = new Set<string>();
  for (const f of files) for (const m of readFileSync(join(REPO, f), 'utf8').matchAll(/\bns\.(\w+)/g)) names.add(m[1]);
  return [...names];
}

const EAGER = ['compare_weights', 'compare_model_outputs'] as const;
const FX = [
  'extract_weights',
  'add_loggers',
  'extract_logger_info',
  'add_shadow_loggers',
  'extract_shadow_logger_info',
  'extend_logger_results_with_comparison',
] as const;

describe('ns names', () => {
  it('every ns.X of the README and docs exists', () => {
    const names = documented_names();
    expect(names).toEqual(expect.arrayContaining(['compare_weights', 'add_loggers']));
    const missing = names.filter((n) => !(n in ns));
    expect(missing, `README/docs name ns.${missing.join(', ns.')}`).toEqual([]);
  });

  it("torch's functions are on ns and on ns._numeric_suite / ns._numeric_suite_fx, the same objects", () => {
    for (const n of EAGER) {
      expect(typeof ns[n]).toBe('function');
      expect(ns[n]).toBe(ns._numeric_suite[n]);
    }
    for (const n of FX) {
      expect(typeof ns[n]).toBe('function');
      expect(ns[n]).toBe(ns._numeric_suite_fx[n]);
    }
    // both OutputLogger classes stay under their own submodule
    expect(ns._numeric_suite.OutputLogger).not.toBe(ns._numeric_suite_fx.OutputLogger);
  });
});

describe('compare_model_outputs inputs', () => {
  let model: TinyCNN;
  let q: GraphModule;
  const x = randn([3, 1, 28, 28], { generator: new Generator(2) });
  beforeAll(() => {
    model = create().eval();
    const prepared = prepare_fx(model, { '': get_default_qconfig('qnnpack') }, [x], null, { warn: false });
    prepared.call(randn([8, 1, 28, 28], { generator: new Generator(3) }));
    q = convert_fx(prepared);
  });

  it('a bare tensor is the one argument, as a one-element array (a tuple) is', () => {
    const fused = ns._numeric_suite_fx.as_float_graph(model);
    const bare = ns.compare_model_outputs(fused, q, x);
    const tuple = ns.compare_model_outputs(fused, q, [x]);
    expect(Object.keys(bare).sort()).toEqual(Object.keys(tuple).sort());
    expect(Object.keys(bare)).toEqual(expect.arrayContaining(['fc']));
    for (const k of Object.keys(bare)) {
      expect([...bare[k].float[0].data]).toEqual([...tuple[k].float[0].data]);
      expect([...bare[k].quantized[0].int_repr().data]).toEqual([...tuple[k].quantized[0].int_repr().data]);
    }
    expect(bare.fc.float[0].shape).toEqual([3, 10]);
  });

  it('anything else is a TypeError that says what it takes', () => {
    expect(() => ns.compare_model_outputs(model, q, 3 as never)).toThrow(
      /compare_model_outputs: inputs must be a Tensor or an array of a call's arguments, got number/,
    );
  });
});
