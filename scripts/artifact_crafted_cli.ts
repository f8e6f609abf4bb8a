/**
 * Every crafted file of tests/compiler/artifact_cases.ts through the real CLI, `fxq eval <file>` and
 * `fxq bench <file>` (two at a time): `npx tsx scripts/artifact_crafted_cli.ts`. Counts the refusals that
 * exit 1 naming the file and the entry / key, and checks the canaries (a global, a file) stay untouched.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fxq, type Run } from '../tests/cli/_spawn.js';
import { crafted_cases, tiny_file } from '../tests/compiler/artifact_cases.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-crafted-cli-'));
const canary_file = join(dir, 'pwned.txt');
const payload = `process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(canary_file)}, 'pwned'); return 'x';`;
try {
  const cases = crafted_cases(tiny_file(), payload).map(([name, bytes, re], i) => {
    const path = join(dir, `case_${i}.safetensors`);
    writeFileSync(path, bytes);
    return { name, path, re };
  });
  const jobs = cases.flatMap((c) => [
    { c, cmd: 'eval', args: ['eval', c.path, '--eval-images', '10'] },
    { c, cmd: 'bench', args: ['bench', c.path, '--batch', '1', '--runs', '1'] },
  ]);
  let good = 0;
  const bad: string[] = [];
  for (let i = 0; i < jobs.length; i += 2) {
    const runs: Run[] = await Promise.all(jobs.slice(i, i + 2).map((j) => fxq(j.args)));
    runs.forEach((r, k) => {
      const { c, cmd } = jobs[i + k];
      if (r.code === 1 && r.stderr.includes(c.path) && c.re.test(r.stderr)) good++;
      else bad.push(`${cmd} ${c.name}: exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
    });
  }
  const canary = existsSync(canary_file);
  console.log(
    `${cases.length} crafted files × {eval, bench} = ${jobs.length} runs: ${good} refused (exit 1, file and entry/key named), ${bad.length} not; canary file ${canary ? 'WRITTEN' : 'untouched'}`,
  );
  for (const b of bad) console.log(`  ${b}`);
  process.exitCode = bad.length || canary ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
