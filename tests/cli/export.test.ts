// `fxq export` through the real command line: a float model file and a quantized file to ONNX that
// parses back and passes the structural check; int8 asked of a float model and a missing folder fail
// with a clear message and write nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { model_problems } from '../../compiler/export/onnx/check.js';
import { decode_model } from '../../compiler/export/onnx/schema.js';
import { fxq, SMALL, TINY } from './_spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ops(path: string): Set<string> {
  const m = decode_model(readFileSync(path));
  expect(model_problems(m)).toEqual([]);
  return new Set(m.graph.node.map((n) => n.op_type));
}

describe('fxq export', () => {
  it('exports a float model file and a save_quantized file (QDQ)', async () => {
    const q = join(dir, 'tiny_int8.safetensors');
    const made = await fxq(['quantize', TINY, '--out', q, '--no-weights', '--backend', 'js', ...SMALL]);
    expect(made.code, made.stderr).toBe(0);
    const [f, i] = await Promise.all([
      fxq(['export', TINY, '-o', join(dir, 'tiny.onnx'), '--no-weights', '--json']),
      fxq(['export', q, '-o', join(dir, 'tiny_int8.onnx'), '--int8', '--input-names', 'input']),
    ]);
    expect(f.code, f.stderr).toBe(0);
    expect(JSON.parse(f.stdout)).toMatchObject({ kind: 'float', opset: 13 });
    const fo = ops(join(dir, 'tiny.onnx'));
    expect(fo.has('Conv') && !fo.has('QuantizeLinear')).toBe(true);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/ONNX opset 13, int8/);
    const io = ops(join(dir, 'tiny_int8.onnx'));
    expect(io.has('QuantizeLinear') && io.has('DequantizeLinear') && io.has('Conv')).toBe(true);
  });

  it('refuses int8 of a float model and a missing folder, writing nothing', async () => {
    const [a, b] = await Promise.all([
      fxq(['export', TINY, '-o', join(dir, 'nope.onnx'), '--int8', '--no-weights']),
      fxq(['export', TINY, '-o', join(dir, 'missing', 'x.onnx'), '--no-weights']),
    ]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/int8 export asked for, but the model has no quantized node/);
    expect(existsSync(join(dir, 'nope.onnx'))).toBe(false);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/does not exist; nothing was written/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});
