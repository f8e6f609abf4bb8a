import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const io = join(import.meta.dirname, '..', '..', '..', 'runtime', 'io');

describe('runtime/io browser-safe files', () => {
  it('import no Node built-in and nothing from ./node/ (the Node-only files live there)', () => {
    const files = readdirSync(io).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    expect(files).toContain('safetensors.ts');
    for (const f of files) {
      const imports = [...readFileSync(join(io, f), 'utf8').matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      const bad = imports.filter(
        (s) => s.startsWith('node:') || s.includes('/node/') || ['fs', 'path', 'zlib', 'crypto'].includes(s),
      );
      expect(bad, f).toEqual([]);
    }
  });
});
