import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse_safetensors, serialize_safetensors } from '../../../runtime/io/index.js';
import { type Tensor, tensor } from '../../../runtime/tensor/index.js';
import {
  apply_mutation,
  check_mutated,
  type MutationOutcome,
  type SafetensorsMutation,
  safetensors_mutation,
} from '../../fuzz/mutate_safetensors.js';

/** A hand-built file holding F16 (which fxq reads but never writes). */
function f16_file(): Uint8Array {
  const header =
    '{"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"b":{"dtype":"BOOL","shape":[2],"data_offsets":[8,10]}}';
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + 10);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]).buffer), 8 + json.length);
  out.set([1, 0], 8 + json.length + 8);
  return out;
}

const mixed: Record<string, Tensor> = {
  'fc.weight': tensor([
    [1.5, -2, 3],
    [0.25, 1e-30, -7],
  ]),
  'fc.bias': tensor([1, 2], { dtype: 'int64' }),
  'conv.zp': tensor([-5, 7, 2147483647], { dtype: 'int32' }),
  w8: tensor([-128, 0, 1, 127], { dtype: 'int8' }),
  u8: tensor([0, 255, 3, 4], { dtype: 'uint8', shape: [2, 2] }),
  flag: tensor([1, 0, 1], { dtype: 'bool' }),
  scale: tensor(0.5),
  empty: tensor([], { dtype: 'float32' }),
};

const bases = [
  serialize_safetensors(mixed, { format: 'pt', fxq: '{"v":2}' }),
  serialize_safetensors({ only: tensor([1, 2, 3, 4], { shape: [2, 2] }) }),
  serialize_safetensors({}),
  f16_file(),
];

describe('safetensors mutation fuzz (bounded)', () => {
  it('every mutated file gives a clear Error naming the file, or a bounded parse (equal when the meaning is kept)', () => {
    const originals = bases.map((b) => parse_safetensors(b, 'base'));
    const counts: Record<MutationOutcome, number> = { error: 0, identical: 0, different: 0 };
    const kinds = new Map<SafetensorsMutation['kind'], number>();
    fc.assert(
      fc.property(fc.nat({ max: bases.length - 1 }), safetensors_mutation, (b, m) => {
        const outcome = check_mutated(originals[b], apply_mutation(bases[b], m), m);
        counts[outcome]++;
        kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
      }),
      { numRuns: 3000, seed: 1313 },
    );
    // the run covers every kind of mutation and every outcome, so the property is not vacuous
    expect(kinds.size).toBe(17);
    expect(counts.error).toBeGreaterThan(1000);
    expect(counts.identical).toBeGreaterThan(100);
    expect(counts.different).toBeGreaterThan(50);
  });

  it('byte flips in the data section load as different values (the format cannot detect them)', () => {
    const m: SafetensorsMutation = { kind: 'flip', region: 'data', at: 0, bit: 3 };
    const original = parse_safetensors(bases[1], 'base');
    expect(check_mutated(original, apply_mutation(bases[1], m), m)).toBe('different');
  });
});
