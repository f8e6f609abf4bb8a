/**
 * The bounded model fuzz run of `npm test`: random models (tests/fuzz/random_model.ts) through trace →
 * prepare_fx → calibrate → convert_fx, js ≡ wasm bit for bit, save → load bit-identical; plus the seeds that
 * found bugs, and direct checks of those fixes. The long run is `npm run fuzz -- --cases 10000`.
 */
import { describe, expect, it } from 'vitest';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { FuzzNet } from './fuzz_net.js';
import {
  describe_failure,
  first_bit_diff,
  output_bits,
  random_input,
  run_model_case,
  run_spec_case,
} from './model_pipeline.js';
import { type ModelSpec, random_spec } from './random_model.js';
import { REGRESSION_SPECS } from './regression_specs.js';

const SEEDS = Array.from({ length: 25 }, (_, i) => 5000 + i);

describe('random models: js ≡ wasm and save → load bit-identical', () => {
  it(`${SEEDS.length} seeds pass the whole flow`, () => {
    const failures = SEEDS.map((s) => run_model_case(s))
      .filter((r) => !r.ok)
      .map(describe_failure);
    expect(failures).toEqual([]);
  });

  // the module each regression is about is really in the converted model
  const about: Record<string, string> = {
    hardswish_static: 'm1:Hardswish',
    hardswish_dynamic: 'm1:Hardswish',
    bn_relu: 'm0:BNReLU2d',
    shared_conv: 'm0_1:Conv2d',
  };
  it.each(Object.keys(REGRESSION_SPECS))('regression %s passes the whole flow', (name) => {
    const r = run_spec_case(REGRESSION_SPECS[name]);
    expect(r.ok, r.ok ? '' : describe_failure(r)).toBe(true);
    const mods = [...(r.quantized as NonNullable<typeof r.quantized>).named_modules()];
    expect(mods.map(([p, m]) => `${p}:${m.constructor.name}`)).toContain(about[name]);
  });

  it('a spec is a pure function of its seed, and the model of a spec is too', () => {
    expect(random_spec(123)).toEqual(random_spec(123));
    expect(random_spec(123)).not.toEqual(random_spec(124));
    const spec = random_spec(5003);
    const x = random_input(spec.input, 1, 2, 1, 0);
    expect(first_bit_diff(output_bits(new FuzzNet(spec).forward(x)), output_bits(new FuzzNet(spec).forward(x)))).toBe(
      null,
    );
  });

  it('a module called at two sites converts to one int8 module per site, each with its own output qparams', () => {
    // m0 = Linear(8, 8) on x, and again on relu(m0(x)) · 4 (another range); both results used
    const spec: ModelSpec = {
      seed: 7,
      input: [4, 8],
      steps: [
        { op: 'linear', in: 0, fin: 8, fout: 8, bias: true, wscale: 1, zero_channel: false },
        { op: 'relu', in: 1, form: 'function' },
        { op: 'mul_scalar', in: 2, c: 4, form: 'method' },
        { op: 'reuse', in: 3, of: 0 },
        { op: 'add', a: 1, b: 4, form: 'function' },
      ],
      outputs: [5],
      quant: { mode: 'static', global: 'default_per_channel' },
      calib: { batches: 2, scale: 1, offset: 0 },
      check: { batch: 4, scale: 1, offset: 0 },
    };
    const r = run_spec_case(spec);
    expect(r.ok, r.message).toBe(true);
    const q = r.quantized as NonNullable<typeof r.quantized>;
    const targets = q.graph.nodes.filter((n) => n.op === 'call_module').map((n) => n.target);
    expect(targets).toEqual(['m0', 'm0_1']);
    const [a, b] = targets.map((t) => q.get_submodule(t) as unknown as { scale: number });
    expect(a).not.toBeInstanceOf(Linear);
    expect(b).not.toBe(a);
    expect(b.scale).not.toBe(a.scale);
    expect(r.sqnr).toBeGreaterThan(25);
  });
});
