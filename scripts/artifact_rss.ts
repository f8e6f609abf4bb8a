/**
 * Peak RSS of loading quantized-model files of growing size, each in a fresh child process, against a
 * child that only imports fxq: `npx tsx scripts/artifact_rss.ts`. Gives the figures behind the bound in
 * compiler/artifact/README.md, and the 1 KB file that asks for an nn.Linear(20000, 20000).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { save_quantized } from '../compiler/artifact/node/index.js';
import { convert_fx } from '../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../compiler/quantize_fx/prepare.js';
import { Linear } from '../runtime/nn/layers/linear.js';
import { Module } from '../runtime/nn/module.js';
import { get_default_qconfig } from '../runtime/quant/qconfig.js';
import { randn } from '../runtime/tensor/index.js';
import type { Tensor } from '../runtime/tensor/tensor.js';
import { amplification_file } from '../tests/compiler/artifact_cases.js';

/** `depth` Linear(n, n) in a row: many modules, each with its own constructor-time zero weight. */
class Stack extends Module {
  fcs: Linear[];
  constructor(n: number, depth: number) {
    super();
    this.fcs = Array.from({ length: depth }, () => new Linear(n, n));
    for (const [i, fc] of this.fcs.entries()) this.add_module(`fc${i}`, fc);
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.fcs.length; i++) h = (this as unknown as Record<string, Linear>)[`fc${i}`].forward(h);
    return h;
  }
}

class Fc extends Module {
  fc: Linear;
  constructor(n: number) {
    super();
    this.fc = new Linear(n, n);
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(x);
  }
}

const CHILD = resolve(import.meta.dirname, '../tests/compiler/artifact_children/load_rss.ts');
const measure = (file: string) =>
  JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', CHILD, file], { encoding: 'utf8' })) as {
    ok: boolean;
    message: string;
    maxrss_bytes: number;
    file_bytes: number;
  };
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const dir = mkdtempSync(join(tmpdir(), 'fxq-rss-'));
try {
  const base = measure('--none');
  console.log(`baseline (fxq imported, nothing loaded): peak RSS ${mib(base.maxrss_bytes)}`);
  const amp = join(dir, 'amplification.safetensors');
  writeFileSync(amp, amplification_file());
  const a = measure(amp);
  console.log(
    `amplification file (${a.file_bytes} B asking for Linear(20000, 20000)): ${a.ok ? 'LOADED' : 'refused'}; peak RSS ${mib(a.maxrss_bytes)} (+${mib(a.maxrss_bytes - base.maxrss_bytes)})`,
  );
  for (const n of [256, 1024, 2048, 4096]) {
    const p = prepare_fx(new Fc(n).eval(), { '': get_default_qconfig('qnnpack') }, [randn([2, n])]);
    p.forward(randn([2, n]));
    const file = join(dir, `linear_${n}.safetensors`);
    save_quantized(convert_fx(p), file);
    const r = measure(file);
    const extra = r.maxrss_bytes - base.maxrss_bytes;
    console.log(
      `Linear(${n}, ${n}) int8: file ${mib(r.file_bytes)}, ${r.ok ? 'loaded' : `FAILED ${r.message}`}; peak RSS ${mib(r.maxrss_bytes)} = baseline + ${mib(extra)} = baseline + ${(extra / r.file_bytes).toFixed(2)} × file`,
    );
  }
  {
    const p = prepare_fx(new Stack(1024, 16).eval(), { '': get_default_qconfig('qnnpack') }, [randn([2, 1024])]);
    p.forward(randn([2, 1024]));
    const file = join(dir, 'stack.safetensors');
    save_quantized(convert_fx(p), file);
    const r = measure(file);
    const extra = r.maxrss_bytes - base.maxrss_bytes;
    console.log(
      `16 × Linear(1024, 1024) int8: file ${mib(r.file_bytes)}, ${r.ok ? 'loaded' : `FAILED ${r.message}`}; peak RSS ${mib(r.maxrss_bytes)} = baseline + ${mib(extra)} = baseline + ${(extra / r.file_bytes).toFixed(2)} × file`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
