/**
 * Every registered op called with arguments of the wrong kind (what a mutated but schema-valid graph can
 * pass: null, strings, lists, objects, fractions, booleans, in the first or second place) throws an Error
 * naming the op — never an engine TypeError / RangeError (found by the artifact fuzzer: `F.relu6(null)`,
 * `cat([null, x])`, `F.adaptive_avg_pool2d(x, 1.5)`).
 */
import { describe, expect, it } from 'vitest';
import '../../index.js';
import { randn } from '../../runtime/tensor/creation.js';
import { lookup_function, registered_function_names } from '../../runtime/tensor/dispatch.js';

const ENGINE = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);
const ODD: unknown[] = [null, 'str', [], {}, 1.5, true, [null]];

describe('ops on arguments of the wrong kind', () => {
  it('throw Errors naming the op, for every registered function', () => {
    const x = randn([2, 3, 4, 4]);
    const calls = [...ODD.map((b) => [b]), ...ODD.map((b) => [x, b]), ...ODD.map((b) => [b, x]), [x, 1, 'q', null]];
    const engine_errors: string[] = [];
    const names = registered_function_names();
    for (const name of names) {
      const f = lookup_function(name) as (...a: unknown[]) => unknown;
      for (const args of calls) {
        try {
          f(...args);
        } catch (e) {
          if (!(e instanceof Error) || ENGINE.has(e.constructor.name))
            engine_errors.push(`${name}(${args.map((a) => (a === x ? 'T' : JSON.stringify(a))).join(', ')}): ${e}`);
        }
      }
    }
    expect(names.length).toBeGreaterThan(100);
    expect(engine_errors).toEqual([]);
  });
});
