import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('examples/observers.ts', () => {
  it('prints qparams in PyTorch format and writes the four-panel clipping SVG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fxq-observers-'));
    try {
      const out = join(dir, 'fig.svg');
      const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'examples/observers.ts', '--out', out], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(stdout).toMatch(/random data/);
      expect(stdout).toMatch(/^MinMaxObserver \(tensor\(\[\d\.\d{4}\]\), tensor\(\[\d+\], dtype=torch\.int32\)\)$/m);
      expect(stdout).toMatch(/^HistogramObserver \(tensor\(\[/m);
      expect(stdout).toMatch(/Qscheme: torch\.per_tensor_symmetric \| \(tensor\(\[\d\.\d{4}\]\), tensor\(\[128\]\)\)/);
      expect(stdout).toMatch(
        /^\(tensor\(\[\d\.\d{4}, \d\.\d{4}, \d\.\d{4}\]\), tensor\(\[[ \d]+,[ \d]+,[ \d]+\], dtype=torch\.int32\)\)$/m,
      );
      expect(stdout).toMatch(/EntropyObserver\s+clip range/);
      const svg = readFileSync(out, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.trim().endsWith('</svg>')).toBe(true);
      for (const title of [
        'Activation, Affine-Quantized',
        'Activation, Symmetric-Quantized',
        'Weights, Affine-Quantized',
        'Weights, Symmetric-Quantized',
      ]) {
        expect(svg).toContain(title);
      }
      expect(svg.match(/stroke-dasharray/g)?.length).toBe(8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
