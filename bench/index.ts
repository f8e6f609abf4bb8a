/**
 * `npm run bench -- <suite> [args]`: runs bench/<suite>.ts (fp32, kernels, compiler, models, …).
 * Each suite exports `run(args: string[]): Promise<void>`. With no suite, lists them.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));

const [suite, ...rest] = process.argv.slice(2);
if (!suite || !suites.includes(suite)) {
  console.error(`usage: npm run bench -- <suite> [args]\nsuites: ${suites.join(', ') || '(none yet)'}`);
  process.exit(suite ? 2 : 0);
}
const mod = (await import(pathToFileURL(join(here, `${suite}.ts`)).href)) as { run(args: string[]): Promise<void> };
await mod.run(rest);
