/**
 * A manifest that asks for more than its weights hold is refused before allocating: peak RSS of a child
 * loading a ~1 KB file that lists an nn.Linear(20000, 20000) (1.49 GiB of float32) stays within the bound
 * of compiler/artifact/README.md — RSS after importing fxq + 16 × file size + 32 MiB — and so does a real
 * 1 MiB model (the bound is not vacuous). Peak RSS comes from process.resourceUsage().maxRSS in the child.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { save_quantized } from '../../compiler/artifact/node/index.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Module } from '../../runtime/nn/module.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { randn } from '../../runtime/tensor/index.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { amplification_file } from './artifact_cases.js';

const CHILD = resolve(import.meta.dirname, 'artifact_children/load_rss.ts');
const MIB = 2 ** 20;
/** The stated bound (compiler/artifact/README.md): baseline + 16 × file + 32 MiB. */
const bound = (baseline: number, file_bytes: number) => baseline + 16 * file_bytes + 32 * MIB;

interface Rss {
  ok: boolean;
  message: string;
  maxrss_bytes: number;
  file_bytes: number;
}
const run = async (file: string): Promise<Rss> =>
  JSON.parse((await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, file])).stdout);

const dir = mkdtempSync(join(tmpdir(), 'fxq-rss-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class Fc extends Module {
  fc = new Linear(1024, 1024);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x);
  }
}

describe('loading is bounded by the file', () => {
  it('a 1 KB manifest asking for 1.49 GiB is refused with peak RSS within the bound', async () => {
    const amp = join(dir, 'amplification.safetensors');
    const bytes = amplification_file();
    expect(bytes.length).toBeLessThan(2048);
    writeFileSync(amp, bytes);
    const p = prepare_fx(new Fc().eval(), { '': get_default_qconfig('qnnpack') }, [randn([2, 1024])]);
    p.forward(randn([2, 1024]));
    const real = join(dir, 'linear_1024.safetensors');
    save_quantized(convert_fx(p), real);
    const [base, a, r] = await Promise.all([run('--none'), run(amp), run(real)]);
    expect(a.ok).toBe(false);
    expect(a.message).toMatch(/amplification\.safetensors: module 'big' \(nn\.Linear\) needs tensor\(s\) missing/);
    expect(a.maxrss_bytes).toBeLessThanOrEqual(bound(base.maxrss_bytes, a.file_bytes));
    // 1.49 GiB was not touched: far below what building the module would take
    expect(a.maxrss_bytes).toBeLessThan(base.maxrss_bytes + 256 * MIB);
    expect(r.ok, r.message).toBe(true);
    expect(r.file_bytes).toBeGreaterThan(MIB);
    expect(r.maxrss_bytes).toBeLessThanOrEqual(bound(base.maxrss_bytes, r.file_bytes));
  }, 60_000);
});
